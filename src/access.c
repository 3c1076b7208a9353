/* access.c - not written yet */
typedef int oa_placeholder_access;

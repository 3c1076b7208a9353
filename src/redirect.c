/* redirect.c - not written yet */
typedef int oa_placeholder_redirect;

/* config.c - not written yet */
typedef int oa_placeholder_config;

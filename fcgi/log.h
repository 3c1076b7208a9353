/* log.h - not written yet */
#ifndef OA_FLOG_H
#define OA_FLOG_H
#endif

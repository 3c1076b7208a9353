/* edge.h - not written yet */
#ifndef OA_EDGE_H
#define OA_EDGE_H
#endif

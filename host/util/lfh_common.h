/* lfh_common — small definitions shared by every host module. */
#ifndef LFH_COMMON_H
#define LFH_COMMON_H

#if defined(__GNUC__)
#define LFH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LFH_PRINTF(fmt, args)
#endif

#define LFH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif

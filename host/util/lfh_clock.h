/* lfh_clock — the two clocks the host reads and the one way it prints a time: wall-clock
 * microseconds (event times, snapshot and ingestion timestamps), monotonic microseconds
 * (durations, deadlines), and ISO 8601 UTC text. */
#ifndef LFH_CLOCK_H
#define LFH_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t lfh_wall_us(void);
/* Microseconds on CLOCK_MONOTONIC: only differences mean anything. */
int64_t lfh_mono_us(void);

/* `us` microseconds since the epoch (negative ones too) as UTC calendar fields and the
 * microseconds within the second (0..999999). 0, or -1 when gmtime cannot represent it. */
int lfh_utc_tm(int64_t us, struct tm *tm, int64_t *frac_us);

/* "YYYY-MM-DDTHH:MM:SS.fffZ" with `digits` (3 or 6) fractional digits, UTC, of `us`
 * microseconds since the epoch (negative ones too); the bare number when gmtime cannot
 * represent it. `cap` >= 32 holds every representable time. */
void lfh_format_utc_us(int64_t us, int digits, char *buf, size_t cap);

#endif

#include "util/lfh_clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static int64_t read_us(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t lfh_wall_us(void) { return read_us(CLOCK_REALTIME); }

int64_t lfh_mono_us(void) { return read_us(CLOCK_MONOTONIC); }

int lfh_utc_tm(int64_t us, struct tm *tm, int64_t *frac_us) {
  int64_t secs = us / 1000000, frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs--;
  }
  time_t t = (time_t)secs;
  *frac_us = frac;
  return gmtime_r(&t, tm) ? 0 : -1;
}

void lfh_format_utc_us(int64_t us, int digits, char *buf, size_t cap) {
  int64_t frac;
  struct tm tm;
  if (lfh_utc_tm(us, &tm, &frac) != 0) {
    snprintf(buf, cap, "%" PRId64, us);
    return;
  }
  int ms = digits == 3;
  snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%0*dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms ? 3 : 6,
           (int)(ms ? frac / 1000 : frac));
}

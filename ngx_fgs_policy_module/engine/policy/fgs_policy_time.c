
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * RFC 3339 date-times ("2027-03-31T00:00:00Z", "2027-03-31T08:00:00.5+08:00")
 * for exception expiry and the CLI's --now.  Parsed by hand: strptime()
 * and timegm() depend on the locale and the TZ environment.  Formatted
 * for messages, in UTC.
 */


#include <stdio.h>

#include "fgs_policy_int.h"


static int fgs_time_digits(const u_char *p, size_t n, int *out);
static int64_t fgs_time_days(int64_t y, int m, int d);


int
fgs_policy_parse_time(const u_char *s, size_t len, time_t *out)
{
    int            year, mon, mday, hour, min, sec, oh, om, sign, mdays;
    size_t         i;
    int64_t        t;
    static const   int  days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                   30, 31 };

    /* YYYY-MM-DDTHH:MM:SS */
    if (len < 20
        || fgs_time_digits(s, 4, &year) != FGS_OK || s[4] != '-'
        || fgs_time_digits(s + 5, 2, &mon) != FGS_OK || s[7] != '-'
        || fgs_time_digits(s + 8, 2, &mday) != FGS_OK
        || (s[10] != 'T' && s[10] != 't')
        || fgs_time_digits(s + 11, 2, &hour) != FGS_OK || s[13] != ':'
        || fgs_time_digits(s + 14, 2, &min) != FGS_OK || s[16] != ':'
        || fgs_time_digits(s + 17, 2, &sec) != FGS_OK)
    {
        return FGS_DECLINED;
    }

    if (mon < 1 || mon > 12 || hour > 23 || min > 59 || sec > 60) {
        return FGS_DECLINED;
    }

    mdays = days[mon - 1];

    if (mon == 2
        && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    {
        mdays = 29;
    }

    if (mday < 1 || mday > mdays) {
        return FGS_DECLINED;
    }

    i = 19;

    /* a fraction of a second: expiry is to the second */
    if (s[i] == '.') {
        i++;

        if (i == len || s[i] < '0' || s[i] > '9') {
            return FGS_DECLINED;
        }

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
    }

    if (i == len) {
        return FGS_DECLINED;
    }

    oh = 0;
    om = 0;
    sign = 0;

    if (s[i] == 'Z' || s[i] == 'z') {
        i++;

    } else if (s[i] == '+' || s[i] == '-') {
        sign = (s[i] == '-') ? -1 : 1;

        if (len - i != 6
            || fgs_time_digits(s + i + 1, 2, &oh) != FGS_OK
            || s[i + 3] != ':'
            || fgs_time_digits(s + i + 4, 2, &om) != FGS_OK
            || oh > 23 || om > 59)
        {
            return FGS_DECLINED;
        }

        i += 6;

    } else {
        return FGS_DECLINED;
    }

    if (i != len) {
        return FGS_DECLINED;
    }

    /* a leap second reads as the next second */
    t = fgs_time_days(year, mon, mday) * 86400
        + hour * 3600 + min * 60 + sec
        - sign * (oh * 3600 + om * 60);

    if (sizeof(time_t) < 8 && (t > INT32_MAX || t < INT32_MIN)) {
        return FGS_DECLINED;
    }

    *out = (time_t) t;

    return FGS_OK;
}


static int
fgs_time_digits(const u_char *p, size_t n, int *out)
{
    int     v;
    size_t  i;

    v = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return FGS_DECLINED;
        }

        v = v * 10 + (p[i] - '0');
    }

    *out = v;

    return FGS_OK;
}


/* days since 1970-01-01 of a proleptic Gregorian date */

static int64_t
fgs_time_days(int64_t y, int m, int d)
{
    int64_t  era, yoe, doy, doe;

    y -= (m <= 2);
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


void
fgs_policy_format_time(time_t t, char *buf, size_t len)
{
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        snprintf(buf, len, "%lld", (long long) t);
    }
}

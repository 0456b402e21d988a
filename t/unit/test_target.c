
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Unit tests of fgs_target_parse(): operations, reads, invocations, the
 * path's project and function URN, and every kind of non-canonical target
 * on a governed path (docs/policy-language.md, "What it governs").
 */


#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "target/fgs_target.h"


#define P    "7aad83af3e8d42e99ac194e8419e2c9b"
#define P2   "0123456789abcdef0123456789ABCDEF"
#define U    "urn:fss:cn-north-4:" P ":function:default:test:latest"
#define U7   "urn:fss:cn-north-4:" P ":function:default:test"
#define F    "/v2/" P "/fgs/functions"
#define B    F "/"

#define PASS    FGS_TARGET_PASS
#define GOVERN  FGS_TARGET_GOVERN
#define REJECT  FGS_TARGET_REJECT

/* a phrase of each rejection's sentence */
#define E_PCT     "percent-encoded"
#define E_DOT     "'.' or '..' segment"
#define E_SLASH   "doubled slash"
#define E_TRAIL   "ends with a slash"
#define E_PARAM   "';' parameter"
#define E_CASE    "lowercase"
#define E_BSL     "backslash"
#define E_ABS     "absolute form"
#define E_ORIGIN  "does not start with '/'"
#define E_FRAG    "'#' fragment"
#define E_BYTE    "non-ASCII"
#define E_CHAR    "not allowed in a URL path"
#define E_TDOT    "ends with '.'"
#define E_PROJ    "project id in the path"
#define E_UPFX    "does not start with \"urn:fss:\""
#define E_UCHAR   "character other than letters"
#define E_UPARTS  "7 or 8 parts"
#define E_UFUNC   "\"function\" after its project"
#define E_UEMPTY  "empty region"
#define E_UPROJ   "differs from the path's project"
#define E_SUFFIX  "with a suffix"
#define E_OVERR   "method override"


typedef struct {
    const char  *method;
    const char  *target;
    int          result;
    fgs_op_e     op;
    const char  *error;         /* REJECT: a phrase of the sentence */
} case_t;


static const case_t  cases[] = {

    /* the governed operations */
    { "PUT", B U "/code", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U "/config", GOVERN, FGS_OP_CONFIG, NULL },
    { "PUT", B U7 "/code", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U7 "/config", GOVERN, FGS_OP_CONFIG, NULL },
    { "POST", F, GOVERN, FGS_OP_CREATE, NULL },
    { "PUT", "/v2/" P2 "/fgs/functions/urn:fss:r:" P2
      ":function:p_1:n-2:v_3/config", GOVERN, FGS_OP_CONFIG, NULL },

    /* other writes */
    { "DELETE", B U, GOVERN, FGS_OP_DELETE, NULL },
    { "PATCH", B U "/config", GOVERN, FGS_OP_OTHER, NULL },
    { "POST", B U "/code", GOVERN, FGS_OP_OTHER, NULL },
    { "POST", B U "/config", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/code/x", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/versions", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/invocations", GOVERN, FGS_OP_OTHER, NULL },
    { "DELETE", B U "/invocations", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", F, GOVERN, FGS_OP_OTHER, NULL },
    { "POST", B "import", GOVERN, FGS_OP_IMPORT, NULL },
    { "POST", B "reservedinstances", GOVERN, FGS_OP_OTHER, NULL },
    { "POST", "/v2/" P "/fgs/triggers/" U "/TIMER/t1", GOVERN,
      FGS_OP_OTHER, NULL },
    { "PUT", "/v2/" P "/fgs", GOVERN, FGS_OP_OTHER, NULL },
    { "DELETE", "/v2/" P "/fgs/dependencies/d-1", GOVERN,
      FGS_OP_OTHER, NULL },
    { "TRACE", B U "/code", GOVERN, FGS_OP_OTHER, NULL },
    { "CONNECT", F, GOVERN, FGS_OP_OTHER, NULL },
    { "FOO", F, GOVERN, FGS_OP_OTHER, NULL },

    /*
     * Near the shape of PUT code and config: each differs in one place
     * (the rows on case, trailing parts and methods hold more of them).
     */
    { "PUT", B U "/code?x=/config", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U "/x/config", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/config/code", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/config.", REJECT, FGS_OP_NONE, E_TDOT },
    { "PUT", B "/" U "/config", REJECT, FGS_OP_NONE, E_SLASH },
    { "PUT", B U ".x/config", REJECT, FGS_OP_CONFIG, E_UCHAR },
    { "PUT", B U "%41/config", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U7 ":/config", REJECT, FGS_OP_CONFIG, E_UEMPTY },
    { "PUT", B "urn:fss:/config", REJECT, FGS_OP_CONFIG, E_UPARTS },
    { "PUT", B "urn:fss/config", REJECT, FGS_OP_CONFIG, E_UPFX },
    { "PUT", B U ":v:w/code", REJECT, FGS_OP_CODE, E_UPARTS },
    { "PUT", "/v2/" P "/fgs/Functions/" U "/code", REJECT, FGS_OP_NONE,
      E_CASE },
    { "PUT", "/V2/" P "/fgs/functions/" U "/code", REJECT, FGS_OP_NONE,
      E_CASE },
    { "PUT", "/v2/7aad83af3e8d42e99ac194e8419e2c9-/fgs/functions/"
      "urn:fss:r:7aad83af3e8d42e99ac194e8419e2c9-:function:p:n/code",
      REJECT, FGS_OP_CODE, E_PROJ },
    { "PUT", "/v2/" P "/fgs/functions/urn:fss:r:" P2 ":function:p:n/code",
      REJECT, FGS_OP_CODE, E_UPROJ },
    { "PUT", "/v2/" P "/fgs/functions/urn:fss:r:" P ":functions:p:n/code",
      REJECT, FGS_OP_CODE, E_UFUNC },
    { "PUT", "/v2/" P "x/fgs/functions/" U "/code", REJECT, FGS_OP_CODE,
      E_PROJ },

    /* methods are case-sensitive: lowercase is an unknown write */
    { "put", B U "/code", GOVERN, FGS_OP_OTHER, NULL },
    { "Put", B U "/config", GOVERN, FGS_OP_OTHER, NULL },
    { "post", F, GOVERN, FGS_OP_OTHER, NULL },
    { "get", B U "/code", GOVERN, FGS_OP_OTHER, NULL },
    { "head", F, GOVERN, FGS_OP_OTHER, NULL },
    { "", F, GOVERN, FGS_OP_OTHER, NULL },
    { "PUTS", B U "/code", GOVERN, FGS_OP_OTHER, NULL },

    /* reads and invocations */
    { "GET", B U "/code", PASS, FGS_OP_NONE, NULL },
    { "GET", B U "/config", PASS, FGS_OP_NONE, NULL },
    { "HEAD", B U "/config", PASS, FGS_OP_NONE, NULL },
    { "OPTIONS", B U "/code", GOVERN, FGS_OP_OTHER, NULL },
    { "GET", F, PASS, FGS_OP_NONE, NULL },
    { "GET", F "?marker=1&maxitems=10", PASS, FGS_OP_NONE, NULL },
    { "OPTIONS", F, GOVERN, FGS_OP_OTHER, NULL },
    { "POST", B U "/invocations", PASS, FGS_OP_NONE, NULL },
    { "POST", B U "/invocations-async", PASS, FGS_OP_NONE, NULL },
    { "POST", B U7 "/invocations?x=1", PASS, FGS_OP_NONE, NULL },
    { "GET", B "urn:fss:bad/code", PASS, FGS_OP_NONE, NULL },
    { "GET", "/v2/short/fgs/functions", PASS, FGS_OP_NONE, NULL },
    { "POST", B "not-a-urn/invocations", PASS, FGS_OP_NONE, NULL },

    /* outside /v2/{project_id}/fgs/ */
    { "PUT", "/", PASS, FGS_OP_NONE, NULL },
    { "PUT", "/static/x", PASS, FGS_OP_NONE, NULL },
    { "DELETE", "/v2", PASS, FGS_OP_NONE, NULL },
    { "PUT", "/v2/" P, PASS, FGS_OP_NONE, NULL },
    { "PUT", "/v2/" P "/fgsx/functions", PASS, FGS_OP_NONE, NULL },
    { "PUT", "/v2/" P "/apig/functions/" U "/code", PASS, FGS_OP_NONE,
      NULL },
    { "PUT", "/v1/" P "/fgs/functions/" U "/code", PASS, FGS_OP_NONE,
      NULL },
    { "PUT", "/v3/" P "/fgs/functions", PASS, FGS_OP_NONE, NULL },
    { "PUT", "/x/v2/" P "/fgs/functions", PASS, FGS_OP_NONE, NULL },
    { "PUT", "/V2/" P "/other", PASS, FGS_OP_NONE, NULL },
    { "OPTIONS", "*", PASS, FGS_OP_NONE, NULL },
    { "CONNECT", "functiongraph.example:443", PASS, FGS_OP_NONE, NULL },

    /* weird targets outside the governed path pass untouched */
    { "PUT", "/static/a%20b", PASS, FGS_OP_NONE, NULL },
    { "PUT", "/static/%2e%2e/x", PASS, FGS_OP_NONE, NULL },
    { "GET", "/a//b", PASS, FGS_OP_NONE, NULL },
    { "GET", "/a/./b/../c", PASS, FGS_OP_NONE, NULL },
    { "GET", "/x;jsessionid=1", PASS, FGS_OP_NONE, NULL },
    { "GET", "/a\\b", PASS, FGS_OP_NONE, NULL },
    { "GET", "/caf\xc3\xa9", PASS, FGS_OP_NONE, NULL },
    { "GET", "/index.html#top", PASS, FGS_OP_NONE, NULL },
    { "GET", "/index.html/", PASS, FGS_OP_NONE, NULL },
    { "GET", "http://example.com/index.html", PASS, FGS_OP_NONE, NULL },
    { "GET", "/v2/" P "/apig/x%20y", PASS, FGS_OP_NONE, NULL },
    { "GET", "/v2/" P "/fgsx/a%20b/", PASS, FGS_OP_NONE, NULL },
    { "GET", "/api/v2/" P "/fgs%20x", PASS, FGS_OP_NONE, NULL },
    { "GET", "/static/100%", PASS, FGS_OP_NONE, NULL },
    { "GET", "/static/%252541", PASS, FGS_OP_NONE, NULL },
    { "GET", "?only=query", PASS, FGS_OP_NONE, NULL },
    { "GET", "", PASS, FGS_OP_NONE, NULL },

    /* the query string changes nothing and may hold anything */
    { "PUT", B U "/code?", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U "/code?a=1&b=%2F..//;#\\x", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U "/config?x=/../v2/%2e/ \t\xff", GOVERN, FGS_OP_CONFIG,
      NULL },
    { "POST", F "?x=y", GOVERN, FGS_OP_CREATE, NULL },
    { "POST", F "?", GOVERN, FGS_OP_CREATE, NULL },
    { "GET", B U "/code?/x", PASS, FGS_OP_NONE, NULL },

    /* the path's project */
    { "PUT", "/v2/short/fgs/functions/" U "/code", REJECT, FGS_OP_CODE,
      E_PROJ },
    { "POST", "/v2/" P "0/fgs/functions", REJECT, FGS_OP_CREATE, E_PROJ },
    { "POST", "/v2/7aad83af-e8d4-2e99-ac19-4e8419e2c9b/fgs/functions",
      REJECT, FGS_OP_CREATE, E_PROJ },
    { "DELETE", "/v2/x/fgs", REJECT, FGS_OP_OTHER, E_PROJ },
    { "PUT", "/v2/7aad83af3e8d42e99ac194e8419e2c9_/fgs/functions/"
      "urn:fss:r:7aad83af3e8d42e99ac194e8419e2c9_:function:d:t/code",
      REJECT, FGS_OP_CODE, E_PROJ },

    /* the function URN */
    { "PUT", B "test/code", REJECT, FGS_OP_CODE, E_UPFX },
    { "PUT", B "URN:FSS:cn-north-4:" P ":function:default:test/code",
      REJECT, FGS_OP_CODE, E_UPFX },
    { "PUT", B "urn:fsx:cn-north-4:" P ":function:default:test/config",
      REJECT, FGS_OP_CONFIG, E_UPFX },
    { "PUT", B "urn:fss:cn-north-4:" P2 ":function:default:test/code",
      REJECT, FGS_OP_CODE, E_UPROJ },
    { "PUT", B "urn:fss:cn-north-4:" "7AAD83AF3E8D42E99AC194E8419E2C9B"
      ":function:default:test/config", REJECT, FGS_OP_CONFIG, E_UPROJ },
    { "DELETE", B "urn:fss:cn-north-4:" P2 ":function:default:test",
      REJECT, FGS_OP_DELETE, E_UPROJ },
    { "PUT", B "urn:fss:cn-north-4:" P ":func:default:test/code", REJECT,
      FGS_OP_CODE, E_UFUNC },
    { "PUT", B "urn:fss:cn-north-4:" P ":Function:default:test/code",
      REJECT, FGS_OP_CODE, E_UFUNC },
    { "PUT", B "urn:fss::" P ":function:default:test/code", REJECT,
      FGS_OP_CODE, E_UEMPTY },
    { "PUT", B "urn:fss:r::function:default:test/code", REJECT,
      FGS_OP_CODE, E_UEMPTY },
    { "PUT", B "urn:fss:r:" P ":function::test/code", REJECT, FGS_OP_CODE,
      E_UEMPTY },
    { "PUT", B "urn:fss:r:" P ":function:default:/code", REJECT,
      FGS_OP_CODE, E_UEMPTY },
    { "PUT", B "urn:fss:r:" P ":function:default:test:/code", REJECT,
      FGS_OP_CODE, E_UEMPTY },
    { "PUT", B "urn:fss:r:" P ":function:default/code", REJECT,
      FGS_OP_CODE, E_UPARTS },
    { "PUT", B "urn:fss:r:" P ":function:default:test:latest:x/code",
      REJECT, FGS_OP_CODE, E_UPARTS },
    { "PUT", B "urn:fss:r:" P ":function:default:te.st/code", REJECT,
      FGS_OP_CODE, E_UCHAR },
    { "PUT", B "urn:fss:r:" P ":function:default:te@st/code", REJECT,
      FGS_OP_CODE, E_UCHAR },
    { "PUT", B "urn:fss:r:" P ":function:default:t!/config", REJECT,
      FGS_OP_CONFIG, E_UCHAR },
    { "DELETE", B "urn:fss:bad", REJECT, FGS_OP_DELETE, E_UPARTS },
    { "DELETE", B "Urn:fss:x", REJECT, FGS_OP_DELETE, E_UPFX },

    /* percent-encoding, any case, any character, any depth */
    { "PUT", B U "/%63ode", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/c%6Fde", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/c%6fde", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "%2Fcode", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "%2fconfig", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B "urn%3Afss%3Acn-north-4%3A" P
      "%3Afunction%3Adefault%3Atest/code", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B "urn:fss:cn-north-4:" P ":function:default:test%3alatest"
      "/code", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/%2E%2E/" U "/code", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/x/%2e%2e/code", REJECT, FGS_OP_NONE, E_PCT },
    { "POST", "/%76%32/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_PCT },
    { "POST", "/v2/" P "/%66gs/functions", REJECT, FGS_OP_NONE, E_PCT },
    { "POST", "/v2/" P "/fgs%2Ffunctions", REJECT, FGS_OP_NONE, E_PCT },
    { "POST", "/v2%2F" P "%2Ffgs%2Ffunctions", REJECT, FGS_OP_NONE, E_PCT },
    { "POST", "/v2/%37aad83af3e8d42e99ac194e8419e2c9b/fgs/functions",
      REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/%2563ode", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/%25252563ode", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/%u0063ode", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", "/static/%2e%2e/v2/" P "/fgs/functions", REJECT, FGS_OP_NONE,
      E_PCT },
    { "PUT", "/static%2F..%2F..%2Fv2%2F" P "%2Ffgs%2Ffunctions", REJECT,
      FGS_OP_NONE, E_PCT },
    { "PUT", "/%2e%2e/%2E%2E/v2/" P "/fgs", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/code%", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/code%00", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", B U "/code%3F", REJECT, FGS_OP_NONE, E_PCT },
    { "GET", B U "/%63ode", REJECT, FGS_OP_NONE, E_PCT },
    /* more encodings than the rounds that are undone: still refused */
    { "GET", "/static/%2525252541", REJECT, FGS_OP_NONE, E_PCT },

    /* dot segments */
    { "PUT", B U "/./code", REJECT, FGS_OP_NONE, E_DOT },
    { "PUT", B U "/x/../code", REJECT, FGS_OP_NONE, E_DOT },
    { "PUT", B U "/code/.", REJECT, FGS_OP_NONE, E_DOT },
    { "PUT", B U "/code/..", REJECT, FGS_OP_NONE, E_DOT },
    { "POST", "/v2/" P "/fgs/./functions", REJECT, FGS_OP_NONE, E_DOT },
    { "POST", "/v2/" P "/x/../fgs/functions", REJECT, FGS_OP_NONE, E_DOT },
    { "POST", "/x/../v2/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_DOT },
    { "POST", "/./v2/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_DOT },
    { "GET", B "..", REJECT, FGS_OP_NONE, E_DOT },
    /* a router that resolves no dots still sees /v2/{project}/fgs/ */
    { "PUT", "/v2/" P "/fgs/../../../static/x", REJECT, FGS_OP_NONE,
      E_DOT },

    /* doubled slashes */
    { "POST", "//v2/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_SLASH },
    { "POST", "/v2//" P "/fgs/functions", REJECT, FGS_OP_NONE, E_SLASH },
    { "POST", "/v2/" P "//fgs/functions", REJECT, FGS_OP_NONE, E_SLASH },
    { "POST", "/v2/" P "/fgs//functions", REJECT, FGS_OP_NONE, E_SLASH },
    { "PUT", B "/" U "/code", REJECT, FGS_OP_NONE, E_SLASH },
    { "PUT", B U "//code", REJECT, FGS_OP_NONE, E_SLASH },
    { "PUT", "//evil.example/v2/" P "/fgs/functions", REJECT, FGS_OP_NONE,
      E_SLASH },

    /* trailing slash */
    { "POST", F "/", REJECT, FGS_OP_NONE, E_TRAIL },
    { "POST", F "/?x=1", REJECT, FGS_OP_NONE, E_TRAIL },
    { "PUT", B U "/code/", REJECT, FGS_OP_NONE, E_TRAIL },
    { "PUT", B U "/config/", REJECT, FGS_OP_NONE, E_TRAIL },
    { "PUT", "/v2/" P "/fgs/", REJECT, FGS_OP_NONE, E_TRAIL },

    /* ';' parameters */
    { "PUT", B U "/code;x=1", REJECT, FGS_OP_NONE, E_PARAM },
    { "PUT", B U ";v=1/code", REJECT, FGS_OP_NONE, E_PARAM },
    { "PUT", B U "/..;/code", REJECT, FGS_OP_NONE, E_PARAM },
    { "POST", "/v2;x/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_PARAM },
    { "POST", "/v2/" P "/fgs;/functions", REJECT, FGS_OP_NONE, E_PARAM },
    { "POST", F ";jsessionid=1", REJECT, FGS_OP_NONE, E_PARAM },
    { "PUT", B U "/code;x?a=b", REJECT, FGS_OP_NONE, E_PARAM },

    /* letter case of the fixed words */
    { "POST", "/V2/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_CASE },
    { "POST", "/v2/" P "/FGS/functions", REJECT, FGS_OP_NONE, E_CASE },
    { "POST", "/v2/" P "/Fgs/functions", REJECT, FGS_OP_NONE, E_CASE },
    { "POST", "/v2/" P "/fgs/Functions", REJECT, FGS_OP_NONE, E_CASE },
    { "POST", "/v2/" P "/fgs/FUNCTIONS", REJECT, FGS_OP_NONE, E_CASE },
    { "PUT", B U "/CODE", REJECT, FGS_OP_NONE, E_CASE },
    { "PUT", B U "/Code", REJECT, FGS_OP_NONE, E_CASE },
    { "PUT", B U "/Config", REJECT, FGS_OP_NONE, E_CASE },
    { "POST", B U "/Invocations", REJECT, FGS_OP_NONE, E_CASE },
    { "POST", B U "/INVOCATIONS-ASYNC", REJECT, FGS_OP_NONE, E_CASE },
    { "GET", "/V2/" P "/FGS/functions", REJECT, FGS_OP_NONE, E_CASE },
    { "PUT", "/V2/" P "/FGS", REJECT, FGS_OP_NONE, E_CASE },

    /* backslashes */
    { "POST", "/v2\\" P "\\fgs\\functions", REJECT, FGS_OP_NONE, E_BSL },
    { "PUT", B U "\\code", REJECT, FGS_OP_NONE, E_BSL },
    { "PUT", F "\\" U "\\config", REJECT, FGS_OP_NONE, E_BSL },
    { "PUT", "\\v2/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_ORIGIN },

    /* absolute form and targets not starting with '/' */
    { "POST", "http://functiongraph.example" F, REJECT, FGS_OP_NONE,
      E_ABS },
    { "PUT", "https://functiongraph.cn-north-4.myhuaweicloud.com" B U
      "/code", REJECT, FGS_OP_NONE, E_ABS },
    { "PUT", "HTTP://x/V2/" P "/FGS/functions", REJECT, FGS_OP_NONE,
      E_ABS },
    { "PUT", "http:" B U "/code", REJECT, FGS_OP_NONE, E_ABS },
    { "POST", "v2/" P "/fgs/functions", REJECT, FGS_OP_NONE, E_ORIGIN },
    { "POST", "x/../v2/" P "/fgs/functions", REJECT, FGS_OP_NONE,
      E_ORIGIN },

    /* fragments */
    { "PUT", B U "/code#x", REJECT, FGS_OP_NONE, E_FRAG },
    { "PUT", B U "#/code", REJECT, FGS_OP_NONE, E_FRAG },
    { "POST", F "#", REJECT, FGS_OP_NONE, E_FRAG },
    { "POST", F "#?x", REJECT, FGS_OP_NONE, E_FRAG },
    { "PUT", "/v2/" P "/fgs#/../../x", REJECT, FGS_OP_NONE, E_FRAG },

    /* trailing dots */
    { "PUT", B U "/code.", REJECT, FGS_OP_NONE, E_TDOT },
    { "PUT", B U "/config...", REJECT, FGS_OP_NONE, E_TDOT },
    { "POST", "/v2/" P "/fgs./functions", REJECT, FGS_OP_NONE, E_TDOT },
    { "POST", "/v2./" P "/fgs/functions", REJECT, FGS_OP_NONE, E_TDOT },

    /* spaces, control bytes, non-ASCII */
    { "PUT", B U "/co de", REJECT, FGS_OP_NONE, E_BYTE },
    { "PUT", B U "/code ", REJECT, FGS_OP_NONE, E_BYTE },
    { "POST", F "\t", REJECT, FGS_OP_NONE, E_BYTE },
    { "PUT", B U "/code\r\nX-Injected: 1", REJECT, FGS_OP_NONE, E_BYTE },
    { "PUT", B U "/code\x7f", REJECT, FGS_OP_NONE, E_BYTE },
    { "PUT", B U "/cod\xc3\xa9", REJECT, FGS_OP_NONE, E_BYTE },
    { "PUT", "/v2/" P "/\xef\xbd\x86\xef\xbd\x87\xef\xbd\x93/functions",
      REJECT, FGS_OP_NONE, E_BYTE },
    { "PUT", "/v2\xc0\xaf" P "\xc0\xaf" "fgs\xc0\xaf" "functions", REJECT,
      FGS_OP_NONE, E_BYTE },
    { "PUT", "/x/\xc0\xae\xc0\xae/v2/" P "/fgs", REJECT, FGS_OP_NONE,
      E_BYTE },
    { "PUT", "/v2/" P "/fgs%c0%affunctions", REJECT, FGS_OP_NONE, E_PCT },
    /* '?', a space or a NUL ends a segment for some reader */
    { "PUT", "/v2/" P "/fgs%3Fx/functions", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", "/v2/" P "/fgs%20x", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", "/v2/" P "/fgs%00.json", REJECT, FGS_OP_NONE, E_PCT },
    { "PUT", "/v2/" P "/fgs%09", REJECT, FGS_OP_NONE, E_PCT },

    /* characters that have no place in a path */
    { "PUT", B U "/code\"", REJECT, FGS_OP_NONE, E_CHAR },
    { "PUT", B U "/<code>", REJECT, FGS_OP_NONE, E_CHAR },
    { "PUT", B U "/co{d}e", REJECT, FGS_OP_NONE, E_CHAR },
    { "PUT", B U "/code|x", REJECT, FGS_OP_NONE, E_CHAR },
    { "PUT", B U "/code^", REJECT, FGS_OP_NONE, E_CHAR },
    { "PUT", B U "/`code`", REJECT, FGS_OP_NONE, E_CHAR },
    { "PUT", B U "/[code]", REJECT, FGS_OP_NONE, E_CHAR },

    /* a suffix that routers strip as a format: never "other" */
    { "PUT", B U "/config.json", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PUT", B U "/code.zip", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PUT", B U "/CONFIG.json", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PUT", B U "/config.json?x=1", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PATCH", B U "/config.x", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "GET", B U "/config.json", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "POST", F ".json", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "POST", F ".xml", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PUT", F ".json/" U "/code", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "GET", F ".json", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PUT", B U "/configs", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/config-json", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", B U "/x.config", GOVERN, FGS_OP_OTHER, NULL },
    { "POST", B U "/invocations.json", REJECT, FGS_OP_NONE, E_SUFFIX },
    { "PUT", B U "/config/x.json", GOVERN, FGS_OP_OTHER, NULL },
    { "PUT", "/static/config.json", PASS, FGS_OP_NONE, NULL },

    /* a method override in the query, in every spelling */
    { "PUT", B U "/code?_method=DELETE", REJECT, FGS_OP_NONE, E_OVERR },
    { "PUT", B U "/config?a=1&_method=PATCH", REJECT, FGS_OP_NONE,
      E_OVERR },
    { "POST", B U "/config?_method=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "/code?_METHOD=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", F "?method=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "PUT", F "?X-HTTP-Method-Override=POST", REJECT, FGS_OP_NONE,
      E_OVERR },
    { "POST", B U "?x_http_method=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "?x.method.override=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "/config?a=b;_method=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "/config?%5Fmethod=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "/config?%255fmethod=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "/config?_method", REJECT, FGS_OP_NONE, E_OVERR },
    { "GET", B U "/config?_method=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "POST", B U "/invocations?_method=PUT", REJECT, FGS_OP_NONE,
      E_OVERR },
    { "DELETE", "/v2/" P "/fgs?_method=PUT", REJECT, FGS_OP_NONE, E_OVERR },
    { "PUT", B U "/code?x=_method", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U "/code?methods=1", GOVERN, FGS_OP_CODE, NULL },
    { "PUT", B U "/code?my_method=1", GOVERN, FGS_OP_CODE, NULL },
    { "POST", F "?a=_method&b", GOVERN, FGS_OP_CREATE, NULL },
    { "PUT", "/static/x?_method=PUT", PASS, FGS_OP_NONE, NULL },
};


static void
desc(char *buf, size_t size, const char *method, const u_char *target,
    size_t len)
{
    size_t  i, o;

    o = snprintf(buf, size, "%s ", method);

    for (i = 0; i < len && o + 4 < size; i++) {
        buf[o++] = (target[i] >= 0x20 && target[i] < 0x7f
                    && target[i] != '#') ? target[i] : '?';
    }

    if (i < len) {
        buf[o++] = '.';
        buf[o++] = '.';
    }

    buf[o] = '\0';
}


static int
inside(const fgs_str_t *s, const u_char *target, size_t len)
{
    return s->len == 0
           || (s->data >= target && s->data + s->len <= target + len);
}


static fgs_target_result_e
check(const char *method, const u_char *target, size_t len, int result,
    fgs_op_e op, const char *error, fgs_target_t *t)
{
    char                 d[240];
    fgs_target_result_e  rc;

    desc(d, sizeof(d), method, target, len);

    rc = fgs_target_parse(t, (const u_char *) method, strlen(method), target,
                          len);

    is_int(rc, result, "%s: result", d);
    is_int(t->op, op, "%s: operation %s", d, fgs_op_name(op));

    if (result == FGS_TARGET_REJECT) {
        ok(t->error != NULL && error != NULL
           && strstr(t->error, error) != NULL,
           "%s: error says '%s'", d, error);

        if (t->error != NULL && error != NULL
            && strstr(t->error, error) == NULL)
        {
            printf("#   error: %s\n", t->error);
        }

    } else {
        ok(t->error == NULL, "%s: no error", d);
    }

    ok(inside(&t->project_id, target, len) && inside(&t->urn, target, len)
       && inside(&t->region, target, len)
       && inside(&t->package, target, len)
       && inside(&t->name, target, len)
       && inside(&t->version, target, len)
       && t->path.data == target && t->path.len <= len,
       "%s: spans point into the target", d);

    return rc;
}


static int
span_is(const fgs_str_t *s, const char *want)
{
    return s->len == strlen(want) && memcmp(s->data, want, s->len) == 0;
}


static void
test_table(void)
{
    size_t        i;
    fgs_target_t  t;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check(cases[i].method, (const u_char *) cases[i].target,
              strlen(cases[i].target), cases[i].result, cases[i].op,
              cases[i].error, &t);
    }
}


static void
test_parts(void)
{
    fgs_target_t  t;
    const char   *s;

    s = B U "/code?x=1";
    check("PUT", (const u_char *) s, strlen(s), GOVERN, FGS_OP_CODE, NULL,
          &t);
    ok(span_is(&t.project_id, P), "project id");
    ok(span_is(&t.urn, U), "whole URN");
    ok(span_is(&t.region, "cn-north-4"), "region");
    ok(span_is(&t.package, "default"), "package");
    ok(span_is(&t.name, "test"), "name");
    ok(span_is(&t.version, "latest"), "version");
    ok(span_is(&t.path, B U "/code"), "path without the query");

    s = B U7 "/config";
    check("PUT", (const u_char *) s, strlen(s), GOVERN, FGS_OP_CONFIG, NULL,
          &t);
    ok(span_is(&t.urn, U7), "URN without a version");
    ok(span_is(&t.name, "test"), "name without a version");
    is_int(t.version.len, 0, "no version");

    s = B "urn:fss:cn-north-4:" P ":function:pkg-1:fn_a:prod-alias/config";
    check("PUT", (const u_char *) s, strlen(s), GOVERN, FGS_OP_CONFIG, NULL,
          &t);
    ok(span_is(&t.package, "pkg-1"), "package with '-'");
    ok(span_is(&t.name, "fn_a"), "name with '_'");
    ok(span_is(&t.version, "prod-alias"), "alias as version");

    s = F "?a=b";
    check("POST", (const u_char *) s, strlen(s), GOVERN, FGS_OP_CREATE,
          NULL, &t);
    ok(span_is(&t.project_id, P), "create: project id");
    is_int(t.urn.len, 0, "create: no URN");
    ok(span_is(&t.path, F), "create: path");

    s = B "import";
    check("POST", (const u_char *) s, strlen(s), GOVERN, FGS_OP_IMPORT, NULL,
          &t);
    is_int(t.urn.len, 0, "import: no URN");

    s = B U;
    check("DELETE", (const u_char *) s, strlen(s), GOVERN, FGS_OP_DELETE,
          NULL, &t);
    ok(span_is(&t.urn, U), "delete keeps its URN");
    ok(span_is(&t.name, "test"), "delete: name");

    s = B U "/unknown-action";
    check("POST", (const u_char *) s, strlen(s), GOVERN, FGS_OP_OTHER, NULL,
          &t);
    ok(span_is(&t.urn, U), "other write keeps its URN");
    ok(span_is(&t.name, "test"), "other write: name");

    /* reads keep the valid parts for logging */
    s = B U "/config";
    check("GET", (const u_char *) s, strlen(s), PASS, FGS_OP_NONE, NULL,
          &t);
    ok(span_is(&t.project_id, P) && span_is(&t.urn, U), "read: parts kept");

    /* a mismatched URN is never half-filled */
    s = B "urn:fss:r:" P2 ":function:d:n/code";
    check("PUT", (const u_char *) s, strlen(s), REJECT, FGS_OP_CODE, E_UPROJ,
          &t);
    ok(t.urn.len == 0 && t.name.len == 0 && t.region.len == 0,
       "mismatched URN: no parts");
    ok(span_is(&t.project_id, P), "mismatched URN: path project kept");
}


static void
test_bytes(void)
{
    fgs_target_t   t;
    static u_char  nul[] = B U "/code\0.php";
    static u_char  nul_q[] = B U "/code?a=\0b";
    static u_char  nul_out[] = "/static/a\0b";

    check("PUT", nul, sizeof(nul) - 1, REJECT, FGS_OP_NONE, E_BYTE, &t);
    check("PUT", nul_q, sizeof(nul_q) - 1, GOVERN, FGS_OP_CODE, NULL, &t);
    check("PUT", nul_out, sizeof(nul_out) - 1, PASS, FGS_OP_NONE, NULL, &t);

    /* the method is compared on its length, not up to a NUL */
    ok(fgs_target_parse(&t, (const u_char *) "PUTX", 3,
                        (const u_char *) B U "/code",
                        strlen(B U "/code")) == GOVERN
       && t.op == FGS_OP_CODE, "method length is honoured");
    ok(fgs_target_parse(&t, (const u_char *) "PUT\0", 4,
                        (const u_char *) B U "/code",
                        strlen(B U "/code")) == GOVERN
       && t.op == FGS_OP_OTHER, "a NUL in the method makes another method");

    /* an empty target with no bytes behind it */
    ok(fgs_target_parse(&t, (const u_char *) "GET", 3, NULL, 0) == PASS,
       "empty target passes");
}


/*
 * Every endpoint of fgs_apis[]: its path with values in place of its
 * "{...}" segments is that endpoint, with its operation, the URN where
 * it has one; the same path in another method is "other" (or passes, for
 * GET); the words are counted right.
 */

static void
test_every_endpoint(void)
{
    char                   path[512], tmpl[160];
    size_t                 n, k, slashes;
    uint32_t               a;
    fgs_target_t           t;
    fgs_target_result_e    rc;
    const fgs_api_t       *api;
    const fgs_api_word_t  *w;

    for (a = 1; a < FGS_API_COUNT; a++) {
        api = &fgs_apis[a];

        n = (size_t) snprintf(path, sizeof(path), "/v2/%s", P);

        for (k = 0; k < api->n; k++) {
            w = &api->word[k];

            if (k + 1 == api->urn) {
                n += snprintf(path + n, sizeof(path) - n, "/%s", U);

            } else if (w->text[0] == '{') {
                n += snprintf(path + n, sizeof(path) - n, "/value-%zu", k);

            } else {
                n += snprintf(path + n, sizeof(path) - n, "/%s", w->text);
            }
        }

        fgs_api_path((fgs_api_e) a, tmpl, sizeof(tmpl));

        for (k = 0, slashes = 0; tmpl[k]; k++) {
            slashes += (tmpl[k] == '/');
        }

        ok(slashes == (size_t) api->n + 2 && strlen(tmpl) < 120
           && strncmp(tmpl, "/v2/{project_id}/", 17) == 0
           && (api->urn == 0
               || api->word[api->urn - 1].text[0] == '{'),
           "%s %s: the table's words", fgs_method_name(api->method), tmpl);

        rc = fgs_target_parse(&t, (const u_char *)
                              fgs_method_name(api->method),
                              strlen(fgs_method_name(api->method)),
                              (const u_char *) path, n);

        if (api->op == FGS_OP_NONE) {
            ok(rc == PASS && t.op == FGS_OP_NONE,
               "%s %s: passes as a read", fgs_method_name(api->method),
               tmpl);
            continue;
        }

        ok(rc == GOVERN && t.op == api->op && t.api == (fgs_api_e) a
           && (api->urn == 0 || span_is(&t.urn, U)),
           "%s %s: %s", fgs_method_name(api->method), tmpl,
           fgs_op_name(api->op));

        rc = fgs_target_parse(&t, (const u_char *) "PATCH", 5,
                              (const u_char *) path, n);

        ok(rc == GOVERN && t.op == FGS_OP_OTHER && t.api == FGS_API_NONE,
           "PATCH %s: other", tmpl);
    }
}


static void
test_errors_are_safe(void)
{
    size_t        i, k;
    fgs_target_t  t;
    const char   *e;
    int           good;

    /* sentences are fixed text: no byte of any target is echoed */

    good = 1;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].result != FGS_TARGET_REJECT) {
            continue;
        }

        fgs_target_parse(&t, (const u_char *) cases[i].method,
                         strlen(cases[i].method),
                         (const u_char *) cases[i].target,
                         strlen(cases[i].target));

        e = t.error;

        if (e == NULL || strncmp(e, "the ", 4) != 0 || strstr(e, P) != NULL
            || strstr(e, "cn-north-4") != NULL)
        {
            good = 0;
        }

        for (k = 0; e != NULL && e[k] != '\0'; k++) {
            if ((u_char) e[k] < 0x20 || (u_char) e[k] >= 0x7f) {
                good = 0;
            }
        }
    }

    ok(good, "every error is one plain sentence that echoes no target");
}


static u_char *
build(size_t *len, const char *head, int pad, size_t n, const char *tail)
{
    u_char  *p;
    size_t   h, tl;

    h = strlen(head);
    tl = strlen(tail);

    p = malloc(h + n + tl + 1);
    if (p == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    memcpy(p, head, h);
    memset(p + h, pad, n);
    memcpy(p + h + n, tail, tl + 1);

    *len = h + n + tl;

    return p;
}


static void
test_long(void)
{
    size_t        len;
    u_char       *p;
    fgs_target_t  t;

    /* a canonical target has no length limit: nothing is copied */

    p = build(&len, B "urn:fss:r:" P ":function:d:", 'a', 20000,
              ":v1/code");
    check("PUT", p, len, GOVERN, FGS_OP_CODE, NULL, &t);
    is_int(t.name.len, 20000, "long name span");
    ok(span_is(&t.version, "v1"), "long URN: version");
    free(p);

    p = build(&len, B U "/code?", 'q', 100000, "");
    check("PUT", p, len, GOVERN, FGS_OP_CODE, NULL, &t);
    is_int(t.path.len, strlen(B U "/code"), "long query: path");
    free(p);

    /* non-canonical and too long to normalise: judged on raw bytes */

    p = build(&len, B, 'x', 10000, "/%41");
    check("PUT", p, len, REJECT, FGS_OP_NONE, E_PCT, &t);
    free(p);

    p = build(&len, B, 'x', 10000, "//y");
    check("PUT", p, len, REJECT, FGS_OP_NONE, E_SLASH, &t);
    free(p);

    p = build(&len, "/", 'x', 10000, "/../v2/" P "/fgs/functions");
    check("POST", p, len, REJECT, FGS_OP_NONE, E_DOT, &t);
    free(p);

    p = build(&len, "/static/", 'a', 10000, "//b/./c");
    check("GET", p, len, PASS, FGS_OP_NONE, NULL, &t);
    free(p);

    /*
     * The stack buffer holds 8192 bytes: up to there "%41" is decoded
     * and the path is seen to stay outside; one byte more and an escape
     * could be anything, so the path is refused.
     */

    p = build(&len, "/static/", 'a', 8192 - 11, "%41");
    is_int(len, 8192, "boundary target length");
    check("GET", p, len, PASS, FGS_OP_NONE, NULL, &t);
    free(p);

    p = build(&len, "/static/", 'a', 8192 - 10, "%41");
    check("GET", p, len, REJECT, FGS_OP_NONE, E_PCT, &t);
    free(p);
}


/*
 * A path of nothing but escapes: every round of decoding is one linear
 * pass, and there are at most a few rounds.
 */

static void
test_many_escapes(void)
{
    size_t        i, n;
    u_char       *q;
    fgs_target_t  t;

    n = 8190 / 3;

    q = malloc(1 + n * 3 + 1);
    if (q == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    q[0] = '/';

    for (i = 0; i < n; i++) {
        memcpy(q + 1 + i * 3, "%25", 3);
    }

    q[1 + n * 3] = '\0';

    /* "/%25%25..." decodes to "/%%...": nothing governed */
    check("GET", q, 1 + n * 3, PASS, FGS_OP_NONE, NULL, &t);

    free(q);
}


int
main(void)
{
    test_table();
    test_parts();
    test_bytes();
    test_every_endpoint();
    test_errors_are_safe();
    test_long();
    test_many_escapes();

    return done_testing();
}

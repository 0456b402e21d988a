/*
 * The organisation's FunctionGraph policy (conf/policy.json;
 * docs/policy-language.md) written by hand for njs, as a user without the
 * module would: the benchmark's njs peer.
 *
 * js_content reads the body (in memory: client_body_buffer_size equals
 * client_max_body_size), JSON.parse()s it, applies the rules and then
 * redirects to @fgs_forward (the body read is forwarded as is) or to
 * @fgs_rewritten (proxy_set_body $fgs_policy_body), or answers with a
 * FunctionGraph-style error.  The decision goes to X-Fgs-Policy-Decision.
 *
 * What JSON.parse() cannot tell apart is not checked: duplicate keys (the
 * last one wins), 1024 versus 1024.0 or 1e3, escapes in keys.
 */

var KMS_KEY = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
var RUNTIMES = ['Python3.10', 'Python3.12', 'Java17', 'Node.js20.15'];
var MEMORY_MAX = 2048;
var VPC_IDS = ['vpc-0a1b2c'];
var PROD = /^prod-/;
var OBS_URL = /^https:\/\/corp-fgs-code\.obs\.[a-z0-9-]+\.myhuaweicloud\.com\//;
var SECRETS = /(secret|password|\bsk\b)/i;

/* EXC-142: runtime-allowlist is waived for legacy-billing until then */
var EXC_142 = /^legacy-billing$/;
var EXC_142_EXPIRES = Date.parse('2027-03-31T00:00:00Z');

var ID = '[A-Za-z0-9_-]+';
var PROJECT = '[A-Za-z0-9]{32}';
var FUNCTION_PATH = new RegExp('^/v2/(' + PROJECT + ')/fgs/functions/'
    + 'urn:fss:' + ID + ':(' + PROJECT + '):function:(' + ID + '):(' + ID
    + ')(?::' + ID + ')?/(code|config)$');
var CREATE_PATH = new RegExp('^/v2/' + PROJECT + '/fgs/functions$');
var INVOKE_PATH = /\/invocations(-async)?$/;

/* what a lenient router could still read as a governed path */
var LOOKALIKE_PATH = /^\/v2\/[^\/]+\/fgs\/functions(\/[^\/]+\/(code|config))?\/*$/i;
var CANONICAL_PATH = /^\/v2\/[^\/]+\/fgs\/functions(\/[^\/]+\/(code|config))?$/;

var JSON_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/*
 * Keys a "smart" backend could read as a field the policy checks
 * (Memory_Size, memorySize, memory-size): rejected like the module does.
 */
var WATCHED = ['func_name', 'runtime', 'memory_size', 'gpu_memory',
               'func_vpc', 'code_encrypt_kms_key_id', 'code_type',
               'code_url', 'user_data'];
var WATCHED_VPC = ['vpc_id', 'subnet_id'];


function fold(key) {
    return key.toLowerCase().replace(/[_-]/g, '');
}


/* folded spelling -> the documented one */
function folded(fields) {
    var t = {}, i;

    for (i = 0; i < fields.length; i++) {
        t[fold(fields[i])] = fields[i];
    }

    return t;
}


var WATCHED_FOLDED = folded(WATCHED);
var WATCHED_VPC_FOLDED = folded(WATCHED_VPC);


function lookalike(obj, fields) {
    var key, f;

    for (key in obj) {
        f = fold(key);

        if (fields.hasOwnProperty(f) && fields[f] !== key) {
            return key;
        }
    }

    return null;
}


function reply(r, status, code, msg, violations) {
    var body = {error_code: code, error_msg: msg};

    if (violations) {
        body.violations = violations;
    }

    /* a denial is worth a line in the error log, as the module writes */
    r.warn('fgs_policy: ' + status + ' ' + code + ': ' + msg);

    r.headersOut['Content-Type'] = 'application/json';
    r.headersOut['X-Fgs-Policy-Decision'] = status === 403 ? 'deny' : 'error';
    r.return(status, JSON.stringify(body));
}


function forward(r, decision) {
    if (decision) {
        r.headersOut['X-Fgs-Policy-Decision'] = decision;
    }

    r.internalRedirect('@fgs_forward');
}


/* the type each watched field must have; null when it is right */
function typeError(b) {
    var v;

    if ('runtime' in b && typeof b.runtime !== 'string') {
        return 'runtime';
    }

    if ('memory_size' in b && !Number.isInteger(b.memory_size)) {
        return 'memory_size';
    }

    if ('gpu_memory' in b && !Number.isInteger(b.gpu_memory)) {
        return 'gpu_memory';
    }

    if ('func_vpc' in b) {
        v = b.func_vpc;

        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
            return 'func_vpc';
        }

        if ('vpc_id' in v && typeof v.vpc_id !== 'string') {
            return 'func_vpc.vpc_id';
        }

        if ('subnet_id' in v && typeof v.subnet_id !== 'string') {
            return 'func_vpc.subnet_id';
        }
    }

    if ('code_encrypt_kms_key_id' in b
        && typeof b.code_encrypt_kms_key_id !== 'string')
    {
        return 'code_encrypt_kms_key_id';
    }

    if ('code_type' in b && typeof b.code_type !== 'string') {
        return 'code_type';
    }

    if ('code_url' in b && typeof b.code_url !== 'string') {
        return 'code_url';
    }

    if ('user_data' in b && typeof b.user_data !== 'string') {
        return 'user_data';
    }

    return null;
}


/* the rules; returns {violations, audited, kms} */
function evaluate(op, fn, b) {
    var v = [], audited = [], kms = false, vpc, waived;

    function violation(rule, field, msg) {
        v.push({rule: rule, field: field, message: msg});
    }

    if (op === 'config' || op === 'create') {
        waived = EXC_142.test(fn) && Date.now() < EXC_142_EXPIRES;

        if (!waived && 'runtime' in b && RUNTIMES.indexOf(b.runtime) < 0) {
            violation('runtime-allowlist', 'runtime',
                      'runtime "' + b.runtime + '" is not allowed');
        }

        if ('memory_size' in b && b.memory_size > MEMORY_MAX) {
            violation('memory-limit', 'memory_size',
                      'memory_size is above ' + MEMORY_MAX);
        }

        if ('gpu_memory' in b) {
            violation('memory-limit', 'gpu_memory', 'gpu_memory is forbidden');
        }

        if (PROD.test(fn)) {
            vpc = b.func_vpc || {};

            if (!('vpc_id' in vpc)) {
                violation('vpc-required', 'func_vpc.vpc_id',
                          'func_vpc.vpc_id is required');

            } else if (VPC_IDS.indexOf(vpc.vpc_id) < 0) {
                violation('vpc-required', 'func_vpc.vpc_id',
                          'func_vpc.vpc_id is not allowed');
            }

            if (!('subnet_id' in vpc)) {
                violation('vpc-required', 'func_vpc.subnet_id',
                          'func_vpc.subnet_id is required');
            }
        }
    }

    /* kms-default: set_default first, then the check on the result */
    if (!('code_encrypt_kms_key_id' in b)) {
        kms = true;

    } else if (b.code_encrypt_kms_key_id !== KMS_KEY) {
        violation('kms-default', 'code_encrypt_kms_key_id',
                  'code_encrypt_kms_key_id is not allowed');
    }

    if (op === 'code' && b.code_type === 'obs'
        && !OBS_URL.test(b.code_url || ''))
    {
        violation('code-from-approved-obs', 'code_url',
                  'code_url is not an approved OBS bucket');
    }

    if (typeof b.user_data === 'string' && SECRETS.test(b.user_data)) {
        audited.push('no-plaintext-secrets');
    }

    return {violations: v, audited: audited, kms: kms};
}


/*
 * Adds the KMS key as the object's first member: the rest of the body is
 * forwarded byte for byte.
 */
function withKmsKey(text) {
    var i = text.indexOf('{') + 1;
    var rest = text.substring(i);
    var member = '"code_encrypt_kms_key_id":"' + KMS_KEY + '"';

    return '{' + member + (/^\s*\}/.test(rest) ? '' : ',') + rest;
}


function govern(r) {
    var m, op, fn, text, body, bad, res, auth, ce;
    var uri = r.uri;
    var method = r.method;

    m = FUNCTION_PATH.exec(uri);

    if (m && method === 'PUT') {
        if (m[1] !== m[2]) {
            reply(r, 400, 'FGSPOL.4002',
                  'the function URN belongs to another project');
            return;
        }

        op = m[5];
        fn = m[4];

    } else if (method === 'POST' && CREATE_PATH.test(uri)) {
        op = 'create';

    } else if (method === 'GET' || method === 'HEAD'
               || (method === 'POST' && INVOKE_PATH.test(uri)))
    {
        forward(r, null);
        return;

    } else if (LOOKALIKE_PATH.test(uri) && !CANONICAL_PATH.test(uri)) {
        reply(r, 400, 'FGSPOL.4002', 'the request target is not canonical');
        return;

    } else {
        /* other_writes: audit */
        forward(r, 'audit');
        return;
    }

    if (!JSON_TYPE.test(r.headersIn['Content-Type'] || '')) {
        reply(r, 415, 'FGSPOL.4150', 'Content-Type must be application/json');
        return;
    }

    ce = r.headersIn['Content-Encoding'];

    if (ce && ce.toLowerCase() !== 'identity') {
        reply(r, 415, 'FGSPOL.4150', 'Content-Encoding is not supported');
        return;
    }

    try {
        text = r.requestText || '';
        body = JSON.parse(text);

    } catch (e) {
        reply(r, 400, 'FGSPOL.4000', 'the body is not valid JSON');
        return;
    }

    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        reply(r, 400, 'FGSPOL.4000', 'the body is not a JSON object');
        return;
    }

    bad = lookalike(body, WATCHED_FOLDED);

    if (bad === null && body.func_vpc !== null
        && typeof body.func_vpc === 'object')
    {
        bad = lookalike(body.func_vpc, WATCHED_VPC_FOLDED);
    }

    if (bad !== null) {
        reply(r, 400, 'FGSPOL.4001', 'unknown field "' + bad + '"');
        return;
    }

    bad = typeError(body);

    if (bad !== null) {
        reply(r, 400, 'FGSPOL.4001', bad + ' has the wrong type');
        return;
    }

    if (op === 'create') {
        fn = typeof body.func_name === 'string' ? body.func_name : '';
    }

    res = evaluate(op, fn, body);

    if (res.violations.length) {
        reply(r, 403, 'FGSPOL.4030', 'denied by policy: '
              + res.violations[0].rule + ': ' + res.violations[0].message,
              res.violations);
        return;
    }

    if (!res.kms) {
        forward(r, res.audited.length ? 'audit' : 'allow');
        return;
    }

    auth = r.headersIn['Authorization'] || '';

    if (auth.indexOf('SDK-HMAC-SHA256') === 0
        && r.headersIn['X-Sdk-Content-Sha256'] !== 'UNSIGNED-PAYLOAD')
    {
        reply(r, 403, 'FGSPOL.4031', 'the body is signed: set '
              + 'code_encrypt_kms_key_id yourself');
        return;
    }

    r.variables.fgs_policy_body = withKmsKey(text);
    r.headersOut['X-Fgs-Policy-Decision'] = 'rewrite';
    r.internalRedirect('@fgs_rewritten');
}


export default {govern};

'use strict';
/*
 * In-memory FunctionGraph function state and the operations on it, with
 * the response bodies of the API reference ("Modifying the Code of a
 * Function", "Modifying the Metadata of a Function", "Creating a
 * Function").
 *
 * A function is keyed by its URN
 *   urn:fss:{region}:{project_id}:function:{package}:{name}[:{version}]
 * with a missing version read as "latest": ...:name and ...:name:latest
 * are the same function; ...:name:v1 or an alias is a separate entry.
 */

const crypto = require('crypto');

const URN_RE = new RegExp('^urn:fss:([A-Za-z0-9_-]+):([A-Za-z0-9]+):function:'
    + '([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)(?::([A-Za-z0-9_-]+))?$');
/* A plain character class keeps the match linear on megabytes of code. */
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const DOMAIN_ID = '14ee2e3501124efcbca7998baa24c0de';

/* Fields a config update takes (documented, plus the ones the SDK has). */
const CONFIG_FIELDS = [
    'runtime', 'timeout', 'handler', 'memory_size', 'gpu_memory', 'gpu_type',
    'user_data', 'encrypted_user_data', 'xrole', 'app_xrole', 'description',
    'func_vpc', 'peering_cidr', 'mount_config', 'strategy_config', 'status',
    'custom_image', 'extend_config', 'initializer_handler',
    'initializer_timeout', 'pre_stop_handler', 'pre_stop_timeout',
    'ephemeral_storage', 'enterprise_project_id', 'log_config',
    'network_controller', 'is_stateful_function', 'enable_dynamic_memory',
    'enable_auth_in_header', 'domain_names', 'restore_hook_handler',
    'restore_hook_timeout', 'heartbeat_handler', 'enable_class_isolation',
    'dns_config', 'lts_custom_tag', 'code_encrypt_kms_key_id',
    'enable_lts_log', 'user_data_encrypt_kms_key_id'
];
const CONFIG_REQUIRED = ['func_name', 'runtime', 'timeout', 'handler',
                         'memory_size'];
const CREATE_EXTRA = ['code_type', 'code_url', 'code_filename',
                      'depend_version_list', 'type', 'tags'];
const CODE_RESPONSE = [
    'func_urn', 'func_name', 'domain_id', 'runtime', 'code_type', 'code_url',
    'code_filename', 'code_size', 'digest', 'last_modified', 'func_code',
    'depend_list', 'depend_version_list', 'strategy_config', 'status',
    'dependencies', 'code_encrypt_kms_key_id'
];
const HIDDEN = ['func_code', 'depend_list'];

class StoreError extends Error {
    constructor(status, code, msg) {
        super(msg);
        this.status = status;
        this.body = { error_code: code, error_msg: msg };
    }
}

const notFound = () =>
    new StoreError(404, 'FSS.1052', 'Not found the function version');
const badRequest = msg => new StoreError(400, 'FSS.0400', msg);

function parseUrn(urn) {
    const m = typeof urn === 'string' ? URN_RE.exec(urn) : null;
    if (!m) {
        return null;
    }
    return { region: m[1], project: m[2], package: m[3], name: m[4],
             version: m[5] || 'latest',
             key: ['urn:fss', m[1], m[2], 'function', m[3], m[4],
                   m[5] || 'latest'].join(':') };
}

function sha512hex(data) {
    return crypto.createHash('sha512').update(data).digest('hex');
}

/* "2019-10-31 11:37:58", UTC, as in the API reference examples. */
function timestamp() {
    return new Date().toISOString().slice(0, 19).replace('T', ' ');
}

function pick(obj, keys) {
    const out = {};
    for (const k of keys) {
        if (obj[k] !== undefined) {
            out[k] = obj[k];
        }
    }
    return out;
}

function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/*
 * The code a body carries: func_code.file decoded when present (digest and
 * code_size of those bytes), otherwise (obs) the digest of code_url.
 */
function codeOf(body) {
    const fc = body.func_code;
    if (fc !== undefined && !isObject(fc)) {
        throw badRequest('func_code must be an object');
    }
    if (fc && fc.file !== undefined && fc.file !== '') {
        if (typeof fc.file !== 'string' || fc.file.length % 4 !== 0
            || !B64_RE.test(fc.file))
        {
            throw badRequest('func_code.file is not valid base64');
        }
        const bytes = Buffer.from(fc.file, 'base64');
        return { code_size: bytes.length, digest: sha512hex(bytes) };
    }
    const url = typeof body.code_url === 'string' ? body.code_url : '';
    return { code_size: 0, digest: sha512hex(url) };
}

class FunctionStore {
    constructor(opts) {
        this.region = (opts && opts.region) || 'cn-north-4';
        this.functions = new Map();
    }

    clear() {
        this.functions.clear();
    }

    list() {
        return [...this.functions.values()];
    }

    /* Defaults for what a seed leaves out, derived from its URN. */
    seed(meta) {
        if (!isObject(meta)) {
            throw badRequest('function metadata must be a JSON object');
        }
        const u = parseUrn(meta.func_urn);
        if (!u) {
            throw badRequest('func_urn is missing or malformed');
        }
        const id = crypto.randomUUID();
        const f = Object.assign({
            func_id: id,
            resource_id: id + ':' + u.name,
            func_urn: meta.func_urn,
            func_name: u.name,
            domain_id: DOMAIN_ID,
            namespace: u.project,
            project_name: u.region,
            package: u.package,
            runtime: 'Python3.10',
            timeout: 30,
            handler: 'index.handler',
            memory_size: 128,
            cpu: 100,
            code_type: 'inline',
            code_url: '',
            code_filename: 'index.py',
            code_size: 0,
            digest: sha512hex(''),
            version: u.version,
            image_name: u.version + '-mock',
            last_modified: timestamp(),
            strategy_config: { concurrency: -1 },
            status: 0,
            depend_list: [],
            depend_version_list: [],
            dependencies: []
        }, meta);
        this.functions.set(u.key, f);
        return f;
    }

    lookup(projectId, urn) {
        const u = parseUrn(urn);
        if (!u || u.project !== projectId || !this.functions.has(u.key)) {
            throw notFound();
        }
        return { u, f: this.functions.get(u.key) };
    }

    updateCode(projectId, urn, body) {
        const { f } = this.lookup(projectId, urn);
        if (!isObject(body)) {
            throw badRequest('request body must be a JSON object');
        }
        if (typeof body.code_type !== 'string') {
            throw badRequest('code_type is required');
        }
        const code = codeOf(body);
        Object.assign(f, pick(body, ['code_type', 'code_filename',
                                     'depend_version_list',
                                     'code_encrypt_kms_key_id']), code);
        f.code_url = typeof body.code_url === 'string' ? body.code_url : '';
        f.func_code = { file: '', link: f.code_url };
        f.last_modified = timestamp();
        return pick(f, CODE_RESPONSE);
    }

    updateConfig(projectId, urn, body) {
        const { f } = this.lookup(projectId, urn);
        if (!isObject(body)) {
            throw badRequest('request body must be a JSON object');
        }
        for (const k of CONFIG_REQUIRED) {
            if (body[k] === undefined || body[k] === null) {
                throw badRequest(k + ' is required');
            }
        }
        Object.assign(f, pick(body, CONFIG_FIELDS));
        if (typeof f.memory_size === 'number') {
            f.cpu = Math.round(f.memory_size * 100 / 128);
        }
        f.last_modified = timestamp();
        return this.metadata(f);
    }

    create(projectId, body) {
        if (!isObject(body)) {
            throw badRequest('request body must be a JSON object');
        }
        for (const k of CONFIG_REQUIRED.concat(['package'])) {
            if (body[k] === undefined || body[k] === null) {
                throw badRequest(k + ' is required');
            }
        }
        const urn = ['urn:fss', this.region, projectId, 'function',
                     body.package, body.func_name, 'latest'].join(':');
        const u = parseUrn(urn);
        if (!u) {
            throw badRequest('func_name or package is malformed');
        }
        if (this.functions.has(u.key)) {
            throw new StoreError(409, 'FSS.1061',
                                 'The function already exists');
        }
        const code = codeOf(body);
        const meta = Object.assign(pick(body, CONFIG_FIELDS.concat(
            CREATE_EXTRA)), code, { func_urn: urn });
        return this.metadata(this.seed(meta));
    }

    remove(projectId, urn) {
        const { u } = this.lookup(projectId, urn);
        this.functions.delete(u.key);
    }

    /* GET .../config and the config/create responses. */
    metadata(f) {
        const out = Object.assign({}, f);
        for (const k of HIDDEN) {
            delete out[k];
        }
        return out;
    }

    code(f) {
        return Object.assign(pick(f, CODE_RESPONSE),
                             { func_code: { file: '', link: f.code_url } });
    }
}

module.exports = { FunctionStore, StoreError, parseUrn, sha512hex };

'use strict';
/*
 * The FunctionGraph v2 endpoints of the mock beyond a function's code,
 * config, creation, invocation and deletion (fgs-mock.js): every other
 * write of the API reference that the gateway models (engine/core/
 * fgs_api.c, fgs_apis[]), with the reads that show what a write left
 * behind, and the POST reads (workflow executions, tag queries).
 *
 * State is kept where a later call can see it: a version, alias,
 * trigger, test event, tag, dependency version, application, workflow
 * or VPC endpoint that was created can be read, changed and deleted;
 * the async-invocation, reserved-instance, tracing, snapshot and
 * collection settings of a function can be read back.  Bodies answered
 * have the fields of the SDK's response models; status codes are the
 * API reference's (201 for a new trigger, 204 where nothing is
 * returned, 200 otherwise).
 *
 * route() returns { operation, run, urn } for a request it serves, or
 * null to leave it to fgs-mock.js.  run(body) returns [status, body]
 * or throws a StoreError.  Operation names are the gateway's.
 */

const crypto = require('crypto');
const { StoreError, parseUrn } = require('./function-store');

const NO_API = {
    error_code: 'APIG.0101',
    error_msg: 'The API does not exist or has not been published in the '
               + 'environment'
};

const TRIGGER_TYPES = [
    'TIMER', 'APIG', 'CTS', 'DDS', 'DMS', 'DIS', 'LTS', 'OBS', 'SMN',
    'KAFKA', 'RABBITMQ', 'DEDICATEDGATEWAY', 'OPENSOURCEKAFKA', 'APIC',
    'GAUSSMONGO', 'EVENTGRID', 'IOTDA'
];
const RESOURCE_TYPES = ['functions'];
const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

const badRequest = msg => new StoreError(400, 'FSS.0400', msg);
const notFound = (what, id) =>
    new StoreError(404, 'FSS.1051', 'Not found the ' + what
                   + (id === undefined ? '' : ' ' + id));
const conflict = msg => new StoreError(409, 'FSS.1061', msg);

function parseJson(body) {
    if (body.length === 0) {
        return {};
    }
    let v;
    try {
        v = JSON.parse(body.toString('utf8'));
    } catch (e) {
        throw badRequest('Invalid JSON request body');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw badRequest('request body must be a JSON object');
    }
    return v;
}

function need(obj, key, type) {
    const v = obj[key];
    const ok = type === 'array' ? Array.isArray(v)
        : type === 'object' ? v !== null && typeof v === 'object'
                              && !Array.isArray(v)
            : typeof v === type && (type !== 'string' || v !== '');
    if (!ok) {
        throw badRequest(key + ' is required (' + type + ')');
    }
    return v;
}

function opt(obj, key, type) {
    if (obj[key] === undefined || obj[key] === null) {
        return undefined;
    }
    return need(obj, key, type);
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

function decode(s) {
    try {
        return decodeURIComponent(s);
    } catch (e) {
        return s;
    }
}

/* "2024-03-14T10:11:12+08:00", as the API reference's trigger examples. */
function isoTime() {
    return new Date().toISOString().slice(0, 19) + '+00:00';
}

function timestamp() {
    return new Date().toISOString().slice(0, 19).replace('T', ' ');
}

class Endpoints {
    constructor(store) {
        this.store = store;
        this.clear();
    }

    clear() {
        this.aliases = new Map();      /* base key -> Map name -> alias */
        this.triggers = new Map();     /* urn key -> Map id -> trigger */
        this.asyncConfigs = new Map(); /* urn key -> config */
        this.reserved = new Map();     /* urn key -> reserved instances */
        this.tracing = new Map();      /* urn key -> { tracing_ak, sk } */
        this.events = new Map();       /* base key -> Map id -> event */
        this.tags = new Map();         /* type/id -> Map key -> value */
        this.dependencies = new Map(); /* depend id -> Map version -> dep */
        this.applications = new Map(); /* id -> application */
        this.workflows = new Map();    /* id -> workflow */
        this.executions = new Map();   /* execution id -> execution */
        this.vpcEndpoints = new Map(); /* vpc/subnet -> endpoint */
        this.snapshots = new Map();    /* urn key -> "enable"|"disable" */
        this.collected = new Map();    /* urn key -> state */
        this.cancelled = [];           /* { func_urn, request_id, type } */
        this.ltsLogs = false;
        this.asyncStatusLogs = false;
    }

    /* What /__mock/state shows: everything but the functions. */
    snapshot() {
        const maps = m => Object.fromEntries([...m].map(([k, v]) =>
            [k, v instanceof Map ? Object.fromEntries(v) : v]));
        return {
            aliases: maps(this.aliases), triggers: maps(this.triggers),
            async_configs: maps(this.asyncConfigs),
            reserved: maps(this.reserved), tracing: maps(this.tracing),
            events: maps(this.events), tags: maps(this.tags),
            dependencies: maps(this.dependencies),
            applications: maps(this.applications),
            workflows: maps(this.workflows),
            executions: maps(this.executions),
            vpc_endpoints: maps(this.vpcEndpoints),
            snapshots: maps(this.snapshots),
            collected: maps(this.collected), cancelled: this.cancelled,
            lts_logs: this.ltsLogs, async_status_logs: this.asyncStatusLogs
        };
    }

    /* The function a path names; throws 404 unless it exists. */
    fn(project, urn) {
        return this.store.lookup(project, urn);
    }

    /* The unversioned key of a function: aliases and events are its. */
    static base(u) {
        return ['urn:fss', u.region, u.project, 'function', u.package,
                u.name].join(':');
    }

    static inner(map, key) {
        if (!map.has(key)) {
            map.set(key, new Map());
        }
        return map.get(key);
    }

    /* --- functions: import, versions, aliases --- */

    importFunction(project, b) {
        const name = need(b, 'func_name', 'string');
        need(b, 'file_name', 'string');
        const type = need(b, 'file_type', 'string');
        const code = need(b, 'file_code', 'string');
        if (!['zip', 'jar', 'yaml'].includes(type)) {
            throw badRequest('file_type must be zip, jar or yaml');
        }
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(code) || code.length % 4 !== 0) {
            throw badRequest('file_code is not valid base64');
        }
        const pkg = opt(b, 'package', 'string') || 'default';
        const urn = ['urn:fss', this.store.region, project, 'function', pkg,
                     name, 'latest'].join(':');
        if (!parseUrn(urn)) {
            throw badRequest('func_name or package is malformed');
        }
        if (this.store.functions.has(urn)) {
            throw conflict('The function already exists');
        }
        const bytes = Buffer.from(code, 'base64');
        const f = this.store.seed({
            func_urn: urn, code_type: 'zip', code_filename: b.file_name,
            code_size: bytes.length,
            digest: crypto.createHash('sha512').update(bytes).digest('hex')
        });
        return [200, this.store.metadata(f)];
    }

    createVersion(project, urn, b) {
        const { u, f } = this.fn(project, urn);
        if (u.version !== 'latest') {
            throw badRequest('a version is published from latest');
        }
        const digest = opt(b, 'digest', 'string');
        if (digest !== undefined && digest !== f.digest) {
            throw badRequest('digest does not match the code of latest');
        }
        const base = Endpoints.base(u);
        let version = opt(b, 'version', 'string');
        if (version === undefined) {
            let n = 1;
            while (this.store.functions.has(base + ':v' + n)) {
                n++;
            }
            version = 'v' + n;
        }
        if (!NAME_RE.test(version) || version === 'latest') {
            throw badRequest('version is malformed');
        }
        if (this.store.functions.has(base + ':' + version)) {
            throw conflict('The version ' + version + ' already exists');
        }
        const copy = Object.assign({}, f);
        delete copy.func_id;
        delete copy.resource_id;
        const v = this.store.seed(Object.assign(copy, {
            func_urn: base + ':' + version, version,
            image_name: version + '-mock',
            version_description: opt(b, 'description', 'string') || '',
            last_modified: timestamp()
        }));
        return [200, this.store.metadata(v)];
    }

    versionExists(base, version) {
        return this.store.functions.has(base + ':' + version);
    }

    checkWeights(base, b) {
        const w = opt(b, 'additional_version_weights', 'object');
        for (const [v, weight] of Object.entries(w || {})) {
            if (!this.versionExists(base, v)) {
                throw notFound('version', v);
            }
            if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
                throw badRequest('additional_version_weights.' + v
                                 + ' must be an integer 0..100');
            }
        }
        opt(b, 'additional_version_strategy', 'object');
    }

    createAlias(project, urn, b) {
        const { u } = this.fn(project, urn);
        const base = Endpoints.base(u);
        const name = need(b, 'name', 'string');
        const version = need(b, 'version', 'string');
        if (!NAME_RE.test(name) || name === 'latest') {
            throw badRequest('name is malformed');
        }
        if (!this.versionExists(base, version)) {
            throw notFound('version', version);
        }
        this.checkWeights(base, b);
        const all = Endpoints.inner(this.aliases, base);
        if (all.has(name) || this.versionExists(base, name)) {
            throw conflict('The alias ' + name + ' already exists');
        }
        const a = Object.assign({ name, version, description: '' },
            pick(b, ['description', 'additional_version_weights',
                     'additional_version_strategy']),
            { last_modified: timestamp(), alias_urn: base + ':!' + name });
        all.set(name, a);
        return [200, a];
    }

    alias(project, urn, name) {
        const { u } = this.fn(project, urn);
        const all = this.aliases.get(Endpoints.base(u));
        if (!all || !all.has(name)) {
            throw notFound('alias', name);
        }
        return { all, a: all.get(name), base: Endpoints.base(u) };
    }

    updateAlias(project, urn, name, b) {
        const { a, base } = this.alias(project, urn, name);
        const version = need(b, 'version', 'string');
        if (!this.versionExists(base, version)) {
            throw notFound('version', version);
        }
        this.checkWeights(base, b);
        Object.assign(a, { version, last_modified: timestamp() },
                      pick(b, ['description', 'additional_version_weights',
                               'additional_version_strategy']));
        return [200, a];
    }

    deleteAlias(project, urn, name) {
        const { all } = this.alias(project, urn, name);
        all.delete(name);
        return [204, null];
    }

    /* --- triggers --- */

    createTrigger(project, urn, b) {
        const { u } = this.fn(project, urn);
        const type = need(b, 'trigger_type_code', 'string');
        if (!TRIGGER_TYPES.includes(type)) {
            throw badRequest('trigger_type_code ' + type + ' is unknown');
        }
        const data = need(b, 'event_data', 'object');
        const status = opt(b, 'trigger_status', 'string')
            || (['DDS', 'KAFKA'].includes(type) ? 'DISABLED' : 'ACTIVE');
        if (!['ACTIVE', 'DISABLED'].includes(status)) {
            throw badRequest('trigger_status is ACTIVE or DISABLED');
        }
        const now = isoTime();
        const t = { trigger_id: crypto.randomUUID(), trigger_type_code: type,
                    trigger_status: status, event_data: data,
                    last_updated_time: now, created_time: now };
        if (b.event_type_code !== undefined) {
            t.event_type_code = b.event_type_code;
        }
        Endpoints.inner(this.triggers, u.key).set(t.trigger_id, t);
        return [201, t];
    }

    trigger(project, urn, type, id) {
        const { u } = this.fn(project, urn);
        const all = this.triggers.get(u.key);
        const t = all && all.get(id);
        if (!t || t.trigger_type_code !== type) {
            throw notFound('trigger', id);
        }
        return { all, t };
    }

    updateTrigger(project, urn, type, id, b) {
        const { t } = this.trigger(project, urn, type, id);
        const status = opt(b, 'trigger_status', 'string');
        if (status !== undefined && !['ACTIVE', 'DISABLED'].includes(status)) {
            throw badRequest('trigger_status is ACTIVE or DISABLED');
        }
        const data = opt(b, 'event_data', 'object');
        if (status !== undefined) {
            t.trigger_status = status;
        }
        if (data !== undefined) {
            Object.assign(t.event_data, data);
        }
        t.last_updated_time = isoTime();
        return [200, t];
    }

    deleteTrigger(project, urn, type, id) {
        const { all } = this.trigger(project, urn, type, id);
        all.delete(id);
        return [204, null];
    }

    deleteTriggers(project, urn) {
        const { u } = this.fn(project, urn);
        this.triggers.delete(u.key);
        return [204, null];
    }

    listTriggers(project, urn) {
        const { u } = this.fn(project, urn);
        return [200, [...(this.triggers.get(u.key) || new Map()).values()]];
    }

    /* --- per-function settings --- */

    putAsyncConfig(project, urn, b) {
        const { u } = this.fn(project, urn);
        const age = opt(b, 'max_async_event_age_in_seconds', 'number');
        const retries = opt(b, 'max_async_retry_attempts', 'number');
        if (age !== undefined && !(Number.isInteger(age) && age >= 1
                                   && age <= 86400)) {
            throw badRequest('max_async_event_age_in_seconds is 1..86400');
        }
        if (retries !== undefined && !(Number.isInteger(retries)
                                       && retries >= 0 && retries <= 8)) {
            throw badRequest('max_async_retry_attempts is 0..8');
        }
        opt(b, 'destination_config', 'object');
        const old = this.asyncConfigs.get(u.key);
        const now = timestamp();
        const c = Object.assign({ func_urn: u.key,
                                  created_time: old ? old.created_time : now,
                                  last_modified: now },
            pick(b, ['max_async_event_age_in_seconds',
                     'max_async_retry_attempts', 'destination_config',
                     'enable_async_status_log', 'log_group_id',
                     'log_stream_id', 'log_group_name',
                     'log_stream_name']));
        this.asyncConfigs.set(u.key, c);
        return [200, c];
    }

    asyncConfig(project, urn) {
        const { u } = this.fn(project, urn);
        if (!this.asyncConfigs.has(u.key)) {
            throw notFound('async invoke config of', urn);
        }
        return u;
    }

    maxInstances(project, urn, b) {
        const { f } = this.fn(project, urn);
        const n = need(b, 'max_instance_num', 'number');
        if (!Number.isInteger(n) || n < -1) {
            throw badRequest('max_instance_num is an integer from -1');
        }
        f.strategy_config = Object.assign({}, f.strategy_config,
                                          { concurrency: n });
        f.max_instance_num = n;
        f.last_modified = timestamp();
        return [200, this.store.metadata(f)];
    }

    reservedInstances(project, urn, b) {
        const { u } = this.fn(project, urn);
        const count = need(b, 'count', 'number');
        if (!Number.isInteger(count) || count < 0 || count > 1000) {
            throw badRequest('count is an integer 0..1000');
        }
        opt(b, 'idle_mode', 'boolean');
        opt(b, 'tactics_config', 'object');
        const r = Object.assign({ count, idle_mode: false },
                                pick(b, ['idle_mode', 'tactics_config']));
        this.reserved.set(u.key, r);
        return [200, r];
    }

    putTracing(project, urn, b) {
        const { u } = this.fn(project, urn);
        const ak = opt(b, 'tracing_ak', 'string');
        const sk = opt(b, 'tracing_sk', 'string');
        if (ak === undefined && sk === undefined) {
            this.tracing.delete(u.key);
        } else {
            this.tracing.set(u.key, { tracing_ak: ak || '',
                                      tracing_sk: sk || '' });
        }
        return [204, null];
    }

    getTracing(project, urn) {
        const { u } = this.fn(project, urn);
        const t = this.tracing.get(u.key);
        if (!t) {
            throw new StoreError(404, 'FSS.0404', 'can not find tracing aksk');
        }
        return [200, { tracing_ak: t.tracing_ak, tracing_sk: '******' }];
    }

    snapshot_(project, urn, action) {
        const { u } = this.fn(project, urn);
        if (!['enable', 'disable'].includes(action)) {
            throw badRequest('action is enable or disable');
        }
        this.snapshots.set(u.key, action);
        return [204, null];
    }

    collect(project, urn, state) {
        const { u } = this.fn(project, urn);
        if (!['true', 'false'].includes(state)) {
            throw badRequest('state is true or false');
        }
        this.collected.set(u.key, state);
        return [204, null];
    }

    cancel(project, urn, b) {
        const { u } = this.fn(project, urn);
        const id = need(b, 'request_id', 'string');
        const type = opt(b, 'type', 'string');
        if (type !== undefined && !['force', 'recursive'].includes(type)) {
            throw badRequest('type is force or recursive');
        }
        this.cancelled.push({ func_urn: u.key, request_id: id,
                              type: type || null });
        return [204, null];
    }

    /* --- test events --- */

    createEvent(project, urn, b) {
        const { u } = this.fn(project, urn);
        const name = need(b, 'name', 'string');
        const content = need(b, 'content', 'string');
        if (!NAME_RE.test(name)) {
            throw badRequest('name is malformed');
        }
        const all = Endpoints.inner(this.events, Endpoints.base(u));
        for (const e of all.values()) {
            if (e.name === name) {
                throw conflict('The event ' + name + ' already exists');
            }
        }
        const e = { id: crypto.randomUUID(), name, content,
                    last_modified: Math.floor(Date.now() / 1000) };
        all.set(e.id, e);
        return [200, { id: e.id, name }];
    }

    event(project, urn, id) {
        const { u } = this.fn(project, urn);
        const all = this.events.get(Endpoints.base(u));
        if (!all || !all.has(id)) {
            throw notFound('event', id);
        }
        return { all, e: all.get(id) };
    }

    updateEvent(project, urn, id, b) {
        const { e } = this.event(project, urn, id);
        e.content = need(b, 'content', 'string');
        e.last_modified = Math.floor(Date.now() / 1000);
        return [200, { id: e.id, name: e.name }];
    }

    /* --- tags (any resource type the reference names: functions) --- */

    tagSet(type, id) {
        if (!RESOURCE_TYPES.includes(type)) {
            throw notFound('resource type', type);
        }
        return Endpoints.inner(this.tags, type + '/' + id);
    }

    changeTags(project, type, id, b, add) {
        const action = opt(b, 'action', 'string');
        if (action !== undefined && action !== (add ? 'create' : 'delete')) {
            throw badRequest('action must be ' + (add ? 'create' : 'delete'));
        }
        const tags = need(b, 'tags', 'array');
        opt(b, 'sys_tags', 'array');
        for (const t of tags) {
            if (t === null || typeof t !== 'object'
                || typeof t.key !== 'string' || t.key === '')
            {
                throw badRequest('each tag needs a key');
            }
        }
        if (type === 'functions' && parseUrn(id)) {
            this.fn(project, id);
        }
        const set = this.tagSet(type, id);
        for (const t of tags) {
            if (add) {
                set.set(t.key, t.value === undefined ? '' : t.value);
            } else {
                set.delete(t.key);
            }
        }
        return [204, null];
    }

    listTags(type, id) {
        const set = this.tagSet(type, id);
        return [200, { tags: [...set].map(([key, value]) => ({ key, value })),
                       sys_tags: [] }];
    }

    /* POST /v2/{project_id}/{resource_type}/resource-instances/{action} */
    queryTags(type, action, b) {
        if (!RESOURCE_TYPES.includes(type)) {
            throw notFound('resource type', type);
        }
        if (!['filter', 'count'].includes(action)) {
            throw badRequest('action is filter or count');
        }
        const want = opt(b, 'tags', 'array') || [];
        const matches = opt(b, 'matches', 'array') || [];
        const named = matches.filter(m => m && m.key === 'resource_name')
            .map(m => String(m.value));
        const out = [];
        for (const [k, set] of this.tags) {
            if (!k.startsWith(type + '/')) {
                continue;
            }
            const hit = want.every(w => set.has(w.key)
                && (!Array.isArray(w.values) || w.values.length === 0
                    || w.values.includes(set.get(w.key))));
            const id = k.slice(type.length + 1);
            const u = parseUrn(id);
            const name = u ? u.name : id;
            if (hit && set.size > 0 && named.every(m => name.includes(m))) {
                out.push({ resource_id: id, resource_name: name,
                           tags: [...set].map(([key, value]) =>
                               ({ key, value })) });
            }
        }
        if (action === 'count') {
            return [200, { total_count: out.length }];
        }
        return [200, { resources: out, total_count: out.length }];
    }

    /* --- dependencies --- */

    createDependency(project, b) {
        const type = opt(b, 'depend_type', 'string') || 'obs';
        const name = need(b, 'name', 'string');
        const runtime = need(b, 'runtime', 'string');
        if (!['obs', 'zip'].includes(type)) {
            throw badRequest('depend_type is obs or zip');
        }
        let size = 0;
        let etag;
        let link = opt(b, 'depend_link', 'string');
        if (type === 'zip') {
            const file = need(b, 'depend_file', 'string');
            const bytes = Buffer.from(file, 'base64');
            size = bytes.length;
            etag = crypto.createHash('md5').update(bytes).digest('hex');
            link = 'https://fgs-mock.obs.example/depends/' + name + '.zip';
        } else {
            need(b, 'depend_link', 'string');
            etag = crypto.createHash('md5').update(link).digest('hex');
        }
        let depId = null;
        for (const [id, vs] of this.dependencies) {
            const first = vs.values().next().value;
            if (first && first.name === name) {
                depId = id;
            }
        }
        if (depId === null) {
            depId = crypto.randomUUID();
            this.dependencies.set(depId, new Map());
        }
        const vs = this.dependencies.get(depId);
        const version = vs.size + 1;
        const d = { id: crypto.randomUUID(), owner: project, link, runtime,
                    etag, size, name,
                    description: opt(b, 'description', 'string') || '',
                    file_name: name + '.zip', version, dep_id: depId,
                    last_modified: Date.now() };
        vs.set(String(version), d);
        return [200, d];
    }

    dependency(depId, version) {
        const vs = this.dependencies.get(depId);
        if (!vs || !vs.has(version)) {
            throw notFound('dependency version', depId + '/' + version);
        }
        return vs;
    }

    /* --- applications --- */

    createApplication(project, b) {
        const name = need(b, 'name', 'string');
        for (const a of this.applications.values()) {
            if (a.name === name) {
                throw conflict('The application ' + name + ' already exists');
            }
        }
        opt(b, 'params', 'object');
        const id = crypto.randomUUID();
        this.applications.set(id, Object.assign({
            id, name, description: '', status: 'success',
            stack_name: name, stack_id: crypto.randomUUID(),
            project_id: project,
            last_modified_time: isoTime()
        }, pick(b, ['description', 'template_id', 'enterprise_project_id',
                    'agency_name', 'params'])));
        return [200, { application_id: id }];
    }

    application(id) {
        if (!this.applications.has(id)) {
            throw notFound('application', id);
        }
        return this.applications.get(id);
    }

    /* --- workflows --- */

    workflowBody(b) {
        const name = need(b, 'name', 'string');
        need(b, 'start', 'string');
        const states = need(b, 'states', 'array');
        need(b, 'functions', 'array');
        if (!states.some(s => s && s.id === b.start)) {
            throw badRequest('start names no state');
        }
        return name;
    }

    createWorkflow(project, b) {
        const name = this.workflowBody(b);
        for (const w of this.workflows.values()) {
            if (w.name === name) {
                throw conflict('The workflow ' + name + ' already exists');
            }
        }
        const id = crypto.randomUUID();
        const now = isoTime();
        const w = { id, name, description: b.description || '',
                    workflow_urn: 'urn:fss:' + this.store.region + ':'
                                  + project + ':workflow:' + name,
                    created_time: now, updated_time: now,
                    created_by: 'mock-user',
                    enable_stream_response: b.enable_stream_response === true,
                    definition: b };
        this.workflows.set(id, w);
        return [200, this.workflowView(w)];
    }

    workflowView(w) {
        return pick(w, ['id', 'workflow_urn', 'name', 'description',
                        'created_time', 'updated_time', 'created_by',
                        'enable_stream_response']);
    }

    workflow(id) {
        if (!this.workflows.has(id)) {
            throw notFound('workflow', id);
        }
        return this.workflows.get(id);
    }

    updateWorkflow(id, b) {
        const w = this.workflow(id);
        const name = this.workflowBody(b);
        if (name !== w.name) {
            throw badRequest('a workflow keeps its name');
        }
        Object.assign(w, { description: b.description || '',
                           updated_time: isoTime(), definition: b,
                           enable_stream_response:
                               b.enable_stream_response === true });
        return [200, this.workflowView(w)];
    }

    deleteWorkflows(b) {
        const urns = need(b, 'workflow_urns', 'array');
        const success = [];
        const fail = [];
        for (const urn of urns) {
            const hit = [...this.workflows.values()]
                .find(w => w.workflow_urn === urn);
            if (hit) {
                this.workflows.delete(hit.id);
                success.push(urn);
            } else {
                fail.push({ workflow_urn: urn, error_code: 'FSS.1051',
                            error_msg: 'Not found the workflow' });
            }
        }
        return [200, { success, fail }];
    }

    execute(id, b, sync) {
        const w = this.workflow(id);
        opt(b, 'input', 'object');
        const e = { execution_id: crypto.randomUUID(), workflow_id: w.id,
                    status: sync ? 'success' : 'running',
                    input: b.input || {}, begin_time: isoTime() };
        if (sync) {
            e.end_time = e.begin_time;
            e.output = e.input;
        }
        this.executions.set(e.execution_id, e);
        if (!sync) {
            return [200, { execution_id: e.execution_id }];
        }
        return [200, { execution_id: e.execution_id, status: 'success',
                       output: e.output, errors: [],
                       begin_time: e.begin_time, end_time: e.end_time }];
    }

    execution(wid, eid) {
        this.workflow(wid);
        const e = this.executions.get(eid);
        if (!e || e.workflow_id !== wid) {
            throw notFound('workflow execution', eid);
        }
        return e;
    }

    callback(id, b, headers) {
        this.workflow(id);
        const result = need(b, 'result', 'string');
        if (!['success', 'fail'].includes(result)) {
            throw badRequest('result is success or fail');
        }
        const run = headers['x-workflow-run-id'];
        const e = run && this.executions.get(run);
        if (!e || e.workflow_id !== id) {
            throw notFound('workflow execution', run);
        }
        e.status = result === 'success' ? 'success' : 'fail';
        e.state_id = headers['x-workflow-state-id'] || null;
        e.output = b.output;
        e.end_time = isoTime();
        return [200, { execution_id: e.execution_id }];
    }

    /* --- VPC endpoints --- */

    createVpcEndpoint(b) {
        const vpc = need(b, 'vpc_id', 'string');
        const subnet = need(b, 'subnet_id', 'string');
        const key = vpc + '/' + subnet;
        if (this.vpcEndpoints.has(key)) {
            throw conflict('The VPC endpoint already exists');
        }
        const ep = { endpoints: [{ vpc_id: vpc, subnet_id: subnet,
                                   flavor: b.flavor || 'default',
                                   xrole: b.xrole || '' }],
                     address: '192.168.0.' + (this.vpcEndpoints.size + 10) };
        this.vpcEndpoints.set(key, ep);
        return [200, ep];
    }

    deleteVpcEndpoint(vpc, subnet) {
        if (!this.vpcEndpoints.delete(vpc + '/' + subnet)) {
            throw notFound('VPC endpoint', vpc + '/' + subnet);
        }
        return [204, null];
    }
}

/*
 * seg: the path split on '/', seg[2] the project.  Returns null for the
 * paths fgs-mock.js serves itself (a function's code, config, create,
 * list, invocations and deletion).
 */
function route(ep, method, seg, headers) {
    const project = seg[2];
    const w = seg.slice(3).map(decode);
    const n = w.length;
    const op = (operation, run, urn) => ({ operation, urn: urn || null,
                                           run: body => run(body) });
    const read = run => op('read', run);
    const nope = () => [404, NO_API];
    const json = parseJson;

    if (w[0] === 'fgs' && w[1] === 'functions') {
        if (n === 3 && method === 'POST') {
            switch (w[2]) {
            case 'import':
                return op('import', b => ep.importFunction(project, json(b)));
            case 'enable-lts-logs':
                return op('lts_log', () => {
                    ep.ltsLogs = true;
                    return [204, null];
                });
            case 'enable-async-status-logs':
                return op('async_status_log', () => {
                    ep.asyncStatusLogs = true;
                    return [204, null];
                });
            default:
                return null;
            }
        }
        if (n < 4) {
            return null;
        }
        const urn = w[2];
        const sub = w[3];
        if (n > 5) {
            return null;
        }
        switch (method + ' ' + sub + (n === 5 ? '/*' : '')) {
        case 'POST versions':
            return op('version', b => ep.createVersion(project, urn, json(b)),
                      urn);
        case 'GET versions':
            return read(() => {
                const { u } = ep.fn(project, urn);
                const base = Endpoints.base(u);
                return [200, { versions: ep.store.list()
                    .filter(f => f.func_urn.startsWith(base + ':'))
                    .map(f => ep.store.metadata(f)), next_marker: 0 }];
            });
        case 'POST aliases':
            return op('alias', b => ep.createAlias(project, urn, json(b)),
                      urn);
        case 'GET aliases':
            return read(() => {
                const { u } = ep.fn(project, urn);
                return [200, [...(ep.aliases.get(Endpoints.base(u))
                                  || new Map()).values()]];
            });
        case 'PUT aliases/*':
            return op('alias', b => ep.updateAlias(project, urn, w[4],
                                                   json(b)), urn);
        case 'DELETE aliases/*':
            return op('alias', () => ep.deleteAlias(project, urn, w[4]), urn);
        case 'GET aliases/*':
            return read(() => [200, ep.alias(project, urn, w[4]).a]);
        case 'PUT async-invoke-config':
            return op('async_config', b => ep.putAsyncConfig(project, urn,
                                                             json(b)), urn);
        case 'DELETE async-invoke-config':
            return op('async_config', () => {
                ep.asyncConfigs.delete(ep.asyncConfig(project, urn).key);
                return [204, null];
            }, urn);
        case 'GET async-invoke-config':
            return read(() => [200, ep.asyncConfigs.get(
                ep.asyncConfig(project, urn).key)]);
        case 'PUT config-max-instance':
            return op('max_instances', b => ep.maxInstances(project, urn,
                                                            json(b)), urn);
        case 'PUT reservedinstances':
            return op('reserved_instances',
                      b => ep.reservedInstances(project, urn, json(b)), urn);
        case 'GET reservedinstances':
            return read(() => {
                const { u } = ep.fn(project, urn);
                return [200, ep.reserved.get(u.key) || { count: 0 }];
            });
        case 'PUT tracing':
            return op('tracing', b => ep.putTracing(project, urn, json(b)),
                      urn);
        case 'GET tracing':
            return read(() => ep.getTracing(project, urn));
        case 'POST events':
            return op('event', b => ep.createEvent(project, urn, json(b)),
                      urn);
        case 'GET events':
            return read(() => {
                const { u } = ep.fn(project, urn);
                const all = [...(ep.events.get(Endpoints.base(u))
                                 || new Map()).values()];
                return [200, { events: all.map(e => pick(e, [
                    'id', 'name', 'last_modified'])),
                               next_marker: all.length, count: all.length }];
            });
        case 'PUT events/*':
            return op('event', b => ep.updateEvent(project, urn, w[4],
                                                   json(b)), urn);
        case 'DELETE events/*':
            return op('event', () => {
                ep.event(project, urn, w[4]).all.delete(w[4]);
                return [204, null];
            }, urn);
        case 'GET events/*':
            return read(() => [200, ep.event(project, urn, w[4]).e]);
        case 'POST snapshots/*':
            return op('snapshot', () => ep.snapshot_(project, urn, w[4]),
                      urn);
        case 'GET snapshots':
            return read(() => {
                const { u } = ep.fn(project, urn);
                return [200, { snapshot: ep.snapshots.get(u.key)
                                         || 'disable' }];
            });
        case 'PUT collect/*':
            return op('collect', () => ep.collect(project, urn, w[4]), urn);
        case 'POST cancel':
            return op('cancel', b => ep.cancel(project, urn, json(b)), urn);
        default:
            return null;
        }
    }

    if (w[0] === 'fgs' && w[1] === 'triggers' && (n === 3 || n === 5)) {
        const urn = w[2];
        switch (method + ' ' + n) {
        case 'POST 3':
            return op('trigger', b => ep.createTrigger(project, urn, json(b)),
                      urn);
        case 'DELETE 3':
            return op('trigger', () => ep.deleteTriggers(project, urn), urn);
        case 'GET 3':
            return read(() => ep.listTriggers(project, urn));
        case 'PUT 5':
            return op('trigger', b => ep.updateTrigger(project, urn, w[3],
                                                       w[4], json(b)), urn);
        case 'DELETE 5':
            return op('trigger', () => ep.deleteTrigger(project, urn, w[3],
                                                        w[4]), urn);
        case 'GET 5':
            return read(() => [200, ep.trigger(project, urn, w[3], w[4]).t]);
        default:
            return op('other', nope, urn);
        }
    }

    if (w[0] === 'fgs' && w[1] === 'dependencies') {
        if (n === 3 && w[2] === 'version' && method === 'POST') {
            return op('dependency', b => ep.createDependency(project,
                                                             json(b)));
        }
        if (n === 5 && w[3] === 'version') {
            if (method === 'DELETE') {
                return op('dependency', () => {
                    ep.dependency(w[2], w[4]).delete(w[4]);
                    return [204, null];
                });
            }
            if (method === 'GET') {
                return read(() => [200, ep.dependency(w[2], w[4]).get(w[4])]);
            }
        }
        return op('other', nope);
    }

    if (w[0] === 'fgs' && w[1] === 'applications') {
        if (n === 2 && method === 'POST') {
            return op('application', b => ep.createApplication(project,
                                                               json(b)));
        }
        if (n === 3 && method === 'DELETE') {
            return op('application', () => {
                ep.application(w[2]);
                ep.applications.delete(w[2]);
                return [204, null];
            });
        }
        if (n === 3 && method === 'GET') {
            return read(() => [200, ep.application(w[2])]);
        }
        return op('other', nope);
    }

    if (w[0] === 'fgs' && w[1] === 'workflows') {
        const id = w[2];
        const shape = method + ' ' + w.slice(3).map((x, i) =>
            (i === 1 ? '*' : x)).join('/');
        if (n === 2 && method === 'POST') {
            return op('workflow', b => ep.createWorkflow(project, json(b)));
        }
        if (n === 2 && method === 'DELETE') {
            return op('workflow', b => ep.deleteWorkflows(json(b)));
        }
        if (n === 3 && method === 'PUT') {
            return op('workflow', b => ep.updateWorkflow(id, json(b)));
        }
        if (n === 3 && method === 'GET') {
            return read(() => {
                const wf = ep.workflow(id);
                return [200, Object.assign(ep.workflowView(wf),
                                           { definition: wf.definition })];
            });
        }
        switch (shape) {
        case 'POST callback':
            return op('workflow_execution',
                      b => ep.callback(id, json(b), headers));
        case 'POST executions':
            return op('execute', b => ep.execute(id, json(b), false));
        case 'POST sync-executions':
            return op('execute', b => ep.execute(id, json(b), true));
        case 'POST executions/*/retry':
            return op('workflow_execution', () => {
                const e = ep.execution(id, w[4]);
                e.status = 'running';
                e.retried = (e.retried || 0) + 1;
                return [200, null];
            });
        case 'POST executions/*/terminate':
            return op('workflow_execution', () => {
                ep.execution(id, w[4]).status = 'terminated';
                return [200, null];
            });
        case 'GET executions/*':
            return read(() => [200, ep.execution(id, w[4])]);
        default:
            return op('other', nope);
        }
    }

    if (w[0] === 'fgs' && w[1] === 'vpc-endpoint') {
        if (n === 2 && method === 'POST') {
            return op('vpc_endpoint', b => ep.createVpcEndpoint(json(b)));
        }
        if (n === 4 && method === 'DELETE') {
            return op('vpc_endpoint', () => ep.deleteVpcEndpoint(w[2], w[3]));
        }
        return op('other', nope);
    }

    /* /v2/{project_id}/{resource_type}/... : tags and tag queries */
    if (w[0] !== 'fgs' && n >= 2) {
        if (n === 3 && w[1] === 'resource-instances' && method === 'POST') {
            return op('read', b => ep.queryTags(w[0], w[2], json(b)));
        }
        const urn = parseUrn(w[1]) ? w[1] : null;
        if (n === 4 && w[2] === 'tags' && w[3] === 'create'
            && method === 'POST') {
            return op('tags', b => ep.changeTags(project, w[0], w[1],
                                                 json(b), true), urn);
        }
        if (n === 4 && w[2] === 'tags' && w[3] === 'delete'
            && method === 'DELETE') {
            return op('tags', b => ep.changeTags(project, w[0], w[1],
                                                 json(b), false), urn);
        }
        if (n === 3 && w[2] === 'tags' && method === 'GET') {
            return read(() => ep.listTags(w[0], w[1]));
        }
    }
    return null;
}

module.exports = { Endpoints, route };

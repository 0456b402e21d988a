#!/usr/bin/env node
'use strict';
/*
 * Self-test of the mock FunctionGraph (and, when t/node_modules is
 * installed, of the SDK client against it).  Prints TAP; exits non-zero
 * when a test fails.  Starts its own mock on a free loopback port.
 *
 *   node t/mock/selftest.js
 */

const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn, execFile } = require('child_process');

const MOCK = path.join(__dirname, 'fgs-mock.js');
const E2E = path.join(__dirname, '..', 'e2e', 'sdk-e2e.js');
const WRITES = path.join(__dirname, '..', 'e2e', 'sdk-writes.js');
const SDK = path.join(__dirname, '..', 'node_modules', '@huaweicloud',
                      'huaweicloud-sdk-functiongraph');
const FIXTURE = require('./fixtures/sdk-signed-config.json');

const PROJECT = '0123456789abcdef0123456789abcdef';
const URN = 'urn:fss:cn-north-4:' + PROJECT
            + ':function:default:selftest-fn';
const BASE = '/v2/' + PROJECT + '/fgs/functions/';
const CODE = Buffer.from('def handler(event, context):\n    return 1\n');
const NOT_FOUND = { error_code: 'FSS.1052',
                    error_msg: 'Not found the function version' };
const AUTH_FAILED = {
    error_code: 'APIG.0301',
    error_msg: 'Incorrect IAM authentication information: '
               + 'verify aksk signature fail'
};

let port = 0;
let n = 0;
let failed = 0;

function ok(cond, name, diag) {
    n++;
    if (!cond) {
        failed++;
    }
    process.stdout.write((cond ? 'ok ' : 'not ok ') + n + ' - ' + name
                         + '\n');
    if (!cond && diag !== undefined) {
        process.stdout.write('# ' + JSON.stringify(diag).slice(0, 2000)
                             + '\n');
    }
}

function eq(got, want, name) {
    let same = true;
    try {
        assert.deepStrictEqual(got, want);
    } catch (e) {
        same = false;
    }
    ok(same, name, same ? undefined : { got, want });
}

function sha(alg, data) {
    return crypto.createHash(alg).update(data).digest('hex');
}

/* One HTTP request on its own connection; headers sent as given. */
function request(method, target, opts) {
    const o = opts || {};
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method,
                                   path: target, agent: false,
                                   headers: o.headers || {} }, res => {
            const chunks = [];
            res.on('data', c => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json = null;
                try {
                    json = text === '' ? null : JSON.parse(text);
                } catch (e) {
                    json = undefined;
                }
                resolve({ status: res.statusCode, headers: res.headers,
                          text, json });
            });
        });
        req.on('error', reject);
        if (o.chunks) {
            for (const c of o.chunks) {
                req.write(c);
            }
        } else if (o.body !== undefined) {
            req.write(o.body);
        }
        req.end();
    });
}

function json(method, target, body, headers) {
    const data = Buffer.from(JSON.stringify(body));
    return request(method, target, {
        body: data,
        headers: Object.assign({ 'Content-Type': 'application/json',
                                 'Content-Length': data.length }, headers)
    });
}

/* Raw bytes on one socket; collects everything until the peer closes. */
function raw(bytes, closeAfterMs) {
    return new Promise(resolve => {
        const sock = net.connect(port, '127.0.0.1');
        const chunks = [];
        let error = null;
        sock.on('connect', () => sock.write(bytes));
        sock.on('data', c => chunks.push(c));
        sock.on('error', e => {
            error = e.code || e.message;
        });
        sock.on('close', () => resolve({
            data: Buffer.concat(chunks).toString('latin1'), error }));
        if (closeAfterMs) {
            setTimeout(() => sock.end(), closeAfterMs);
        }
    });
}

async function records(since) {
    const r = await request('GET', '/__mock/requests?since=' + (since || 0));
    return r.json;
}

async function lastRecord() {
    const all = await records(0);
    return all[all.length - 1];
}

function startMock(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [MOCK].concat(args),
                            { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', d => {
            out += d;
            const m = /fgs-mock listening on 127\.0\.0\.1:(\d+)\n/.exec(out);
            if (m) {
                resolve({ child, port: Number(m[1]) });
            }
        });
        child.stderr.on('data', d => {
            err += d;
        });
        child.on('exit', code => reject(new Error('mock exited ' + code
                                                  + ': ' + err)));
    });
}

function run(cmd, args, env) {
    return new Promise(resolve => {
        execFile(cmd, args, { env, timeout: 30000 }, (e, stdout, stderr) => {
            resolve({ code: e ? (e.code === undefined ? -1 : e.code) : 0,
                      stdout, stderr });
        });
    });
}

function fixtureHeaders(overrides) {
    const h = {};
    for (const [k, v] of FIXTURE.headers) {
        h[k] = v;
    }
    return Object.assign(h, overrides);
}

async function testCli() {
    const r = await run(process.execPath,
                        [MOCK, '--listen', '0.0.0.0:0'], process.env);
    ok(r.code === 2 && /loopback/.test(r.stderr),
       'refuses a non-loopback listen address', r);
    const r2 = await run(process.execPath, [MOCK, '--listen',
                         '127.0.0.1:0', '--ak', 'x'], process.env);
    ok(r2.code === 2, '--ak without --sk is a usage error', r2);
}

async function testSeedAndCode() {
    let r = await json('PUT', '/__mock/functions', { func_urn: URN });
    ok(r.status === 200 && r.json[0].func_urn === URN, 'seeds a function',
       r);

    const file = CODE.toString('base64');
    const body = { code_type: 'inline', code_filename: 'index.py',
                   func_code: { file } };
    const bytes = Buffer.from(JSON.stringify(body));
    r = await request('PUT', BASE + URN + '/code', {
        body: bytes,
        headers: { 'Content-Type': 'application/json', 'X-Auth-Token': 'tk',
                   'X-Odd-Case': 'Kept As Sent' }
    });
    eq(r.status, 200, 'code update answers 200');
    eq(r.json && r.json.digest, sha('sha512', CODE),
       'digest is the SHA-512 of the decoded func_code.file');
    eq(r.json && r.json.code_size, CODE.length,
       'code_size is the decoded size');
    eq(r.json && [r.json.func_urn, r.json.code_type, r.json.code_filename],
       [URN, 'inline', 'index.py'], 'code response echoes the function');
    ok(r.json && typeof r.json.last_modified === 'string'
       && r.json.func_code && r.json.func_code.file === '',
       'code response has last_modified and func_code', r.json);
    ok(/^application\/json/.test(r.headers['content-type']),
       'responses are application/json');

    const rec = await lastRecord();
    eq(Buffer.from(rec.body_b64, 'base64').equals(bytes), true,
       'record keeps the exact body bytes');
    eq([rec.body_length, rec.body_sha256],
       [bytes.length, sha('sha256', bytes)], 'record has length and sha256');
    eq([rec.method, rec.target, rec.operation, rec.function_urn,
        rec.project_id, rec.status, rec.signature],
       ['PUT', BASE + URN + '/code', 'code', URN, PROJECT, 200, 'token'],
       'record has method, raw target, operation, status, verdict');
    ok(rec.headers.some(h => h[0] === 'X-Odd-Case'
                        && h[1] === 'Kept As Sent'),
       'record keeps raw header names and values', rec.headers);

    r = await request('GET', BASE + URN + ':latest/config');
    eq([r.status, r.json && r.json.digest], [200, sha('sha512', CODE)],
       'GET config with :latest sees the same function');
    eq((await lastRecord()).signature, 'none',
       'a request without credentials is recorded as "none"');

    r = await json('PUT', BASE + URN + 'x/code', body);
    eq([r.status, r.json], [404, NOT_FOUND], 'unknown function: 404 FSS.1052');
    r = await json('PUT', BASE.replace(PROJECT, 'f' + PROJECT.slice(1))
                   + URN + '/code', body);
    eq(r.status, 404, 'URN of another project: 404');
    const big = crypto.randomBytes(3 * 1024 * 1024);
    r = await json('PUT', BASE + URN + '/code',
                   { code_type: 'zip', code_filename: 'big.zip',
                     func_code: { file: big.toString('base64') } });
    eq([r.status, r.json && r.json.digest, r.json && r.json.code_size],
       [200, sha('sha512', big), big.length], 'a 3 MB code package');
    r = await json('PUT', BASE + URN + '/code',
                   { code_type: 'inline', func_code: { file } });
    r = await json('PUT', BASE + URN + '/code',
                   { code_type: 'inline', func_code: { file: '@@@' } });
    eq(r.status, 400, 'invalid base64 in func_code.file: 400');
    r = await request('PUT', BASE + URN + '/code', { body: '{"a":' });
    eq(r.status, 400, 'a body that is not JSON: 400');
}

async function testConfigAndCreate() {
    const cfg = { func_name: 'selftest-fn', runtime: 'Node.js20.15',
                  timeout: 60, handler: 'index.handler', memory_size: 512,
                  func_vpc: { vpc_id: 'vpc-1', subnet_id: 'sub-1' } };
    let r = await json('PUT', BASE + URN + '/config', cfg);
    eq([r.status, r.json && r.json.runtime, r.json && r.json.memory_size,
        r.json && r.json.func_vpc],
       [200, 'Node.js20.15', 512, cfg.func_vpc], 'config update answers 200');
    ok(r.json && r.json.digest === sha('sha512', CODE)
       && r.json.func_code === undefined,
       'config response keeps the code digest, not the code', r.json);
    r = await request('GET', BASE + URN + '/config');
    eq(r.json && r.json.timeout, 60, 'GET config returns the new metadata');
    r = await json('PUT', BASE + URN + '/config', { runtime: 'Python3.10' });
    eq(r.status, 400, 'config without the required fields: 400');
    r = await json('PUT', BASE + URN + ':v9/config', cfg);
    eq([r.status, r.json], [404, NOT_FOUND], 'unknown version: 404');

    const create = Object.assign({ package: 'default', code_type: 'inline',
                                   func_code: { file: 'aGk=' } }, cfg,
                                 { func_name: 'made-here' });
    r = await json('POST', BASE.slice(0, -1), create);
    eq([r.status, r.json && r.json.func_urn, r.json && r.json.code_size],
       [200, 'urn:fss:cn-north-4:' + PROJECT
             + ':function:default:made-here:latest', 2],
       'create answers 200 with the new URN');
    r = await json('POST', BASE.slice(0, -1), create);
    eq(r.status, 409, 'creating it again: 409');
    const fns = (await request('GET', '/__mock/functions')).json;
    eq(fns.map(f => f.func_name).sort(), ['made-here', 'selftest-fn'],
       'GET /__mock/functions lists the state');

    r = await request('POST', BASE + URN + '/invocations',
                      { body: '{"x":1}' });
    eq([r.status, r.json && r.json.result], [200, '{"x":1}'],
       'invocations echo the body');
    r = await request('DELETE', BASE + 'urn:fss:cn-north-4:' + PROJECT
                      + ':function:default:made-here');
    eq(r.status, 204, 'DELETE answers 204');
    r = await request('GET', BASE + URN + '/nothing-here');
    eq(r.status, 404, 'anything else under /v2/: 404');
}

/* endpoints.js: the other writes, their state, their answers. */
async function testEndpoints() {
    const F = BASE + URN;
    const P = '/v2/' + PROJECT;
    const state = async () => (await request('GET', '/__mock/state')).json;
    const last = async () => (await lastRecord()).operation;

    let r = await json('POST', BASE + 'import', {
        func_name: 'imported', file_name: 'a.zip', file_type: 'zip',
        file_code: 'aGk=' });
    eq([r.status, r.json && r.json.func_urn, r.json && r.json.code_size,
        await last()],
       [200, 'urn:fss:cn-north-4:' + PROJECT
             + ':function:default:imported:latest', 2, 'import'],
       'import: 200 with the new function');
    r = await json('POST', BASE + 'import', { func_name: 'x' });
    eq(r.status, 400, 'import without file_code: 400');

    const digest = (await request('GET', F + '/config')).json.digest;
    r = await json('POST', F + '/versions', { digest: 'nope' });
    eq(r.status, 400, 'version: a digest that is not latest\'s: 400');
    r = await json('POST', F + '/versions', { digest, version: 'v1',
                                              description: 'd' });
    eq([r.status, r.json && r.json.func_urn, r.json && r.json.version,
        await last()], [200, URN + ':v1', 'v1', 'version'],
       'version: 200, a versioned function');
    r = await request('GET', F + ':v1/config');
    eq([r.status, r.json && r.json.version_description], [200, 'd'],
       'the version reads back');
    r = await json('POST', F + '/versions', { version: 'v1' });
    eq(r.status, 409, 'the same version again: 409');
    r = await json('POST', F + 'x/versions', {});
    eq([r.status, r.json], [404, NOT_FOUND], 'version of no function: 404');

    r = await json('POST', F + '/aliases', { name: 'prod', version: 'v9' });
    eq(r.status, 404, 'alias to a missing version: 404');
    r = await json('POST', F + '/aliases', { name: 'prod', version: 'v1' });
    eq([r.status, r.json && r.json.alias_urn, await last()],
       [200, URN + ':!prod', 'alias'], 'alias: 200 with alias_urn');
    r = await json('PUT', F + '/aliases/prod',
                   { version: 'v1', additional_version_weights:
                       { latest: 20 } });
    eq([r.status, r.json && r.json.additional_version_weights],
       [200, { latest: 20 }], 'alias update: 200');
    r = await request('GET', F + '/aliases/prod');
    eq(r.json && r.json.additional_version_weights, { latest: 20 },
       'the alias reads back');
    r = await request('DELETE', F + '/aliases/prod');
    eq(r.status, 204, 'alias delete: 204');
    eq((await request('GET', F + '/aliases/prod')).status, 404,
       'then it is gone');

    const T = P + '/fgs/triggers/' + URN;
    r = await json('POST', T, { trigger_type_code: 'NOPE', event_data: {} });
    eq(r.status, 400, 'trigger of an unknown type: 400');
    r = await json('POST', T, { trigger_type_code: 'TIMER', event_data:
                                { name: 't', schedule_type: 'Rate',
                                  schedule: '3m' } });
    const tid = r.json && r.json.trigger_id;
    eq([r.status, r.json && r.json.trigger_status, await last()],
       [201, 'ACTIVE', 'trigger'], 'trigger: 201, ACTIVE by default');
    r = await json('PUT', T + '/TIMER/' + tid,
                   { trigger_status: 'DISABLED' });
    eq([r.status, r.json && r.json.trigger_status], [200, 'DISABLED'],
       'trigger update: 200');
    eq((await request('GET', T + '/TIMER/' + tid)).json.trigger_status,
       'DISABLED', 'the trigger reads back');
    eq((await request('PUT', T + '/APIG/' + tid, { body: '{}' })).status,
       404, 'the same id under another type: 404');
    eq((await request('DELETE', T + '/TIMER/' + tid)).status, 204,
       'trigger delete: 204');
    await json('POST', T, { trigger_type_code: 'DDS', event_data: {} });
    r = await request('GET', T);
    eq([r.json.length, r.json[0].trigger_status], [1, 'DISABLED'],
       'a DDS trigger starts DISABLED; the list has it');
    eq((await request('DELETE', T)).status, 204, 'delete all: 204');
    eq((await request('GET', T)).json, [], 'no trigger left');

    r = await json('PUT', F + '/async-invoke-config',
                   { max_async_retry_attempts: 9 });
    eq(r.status, 400, 'async config out of range: 400');
    r = await json('PUT', F + '/async-invoke-config',
                   { max_async_event_age_in_seconds: 60,
                     max_async_retry_attempts: 1 });
    eq([r.status, r.json && r.json.func_urn, await last()],
       [200, URN + ':latest', 'async_config'], 'async config: 200');
    eq((await request('DELETE', F + '/async-invoke-config')).status, 204,
       'async config delete: 204');
    eq((await request('GET', F + '/async-invoke-config')).status, 404,
       'then it is gone');

    r = await json('PUT', F + '/config-max-instance', { max_instance_num: 7 });
    eq([r.status, r.json && r.json.strategy_config.concurrency,
        await last()], [200, 7, 'max_instances'],
       'max instances: 200, the function\'s metadata');
    r = await json('PUT', F + '/reservedinstances', { count: 2 });
    eq([r.status, r.json, await last()],
       [200, { count: 2, idle_mode: false }, 'reserved_instances'],
       'reserved instances: 200');
    r = await json('PUT', F + '/tracing', { tracing_ak: 'a', tracing_sk: 's' });
    eq([r.status, await last()], [204, 'tracing'], 'tracing: 204');
    eq((await request('GET', F + '/tracing')).json,
       { tracing_ak: 'a', tracing_sk: '******' }, 'tracing reads back masked');
    r = await request('POST', F + '/snapshots/enable');
    eq([r.status, await last()], [204, 'snapshot'], 'snapshot: 204');
    eq((await request('POST', F + '/snapshots/maybe')).status, 400,
       'snapshot with another action: 400');
    r = await request('PUT', F + '/collect/true');
    eq([r.status, await last()], [204, 'collect'], 'collect: 204');
    r = await json('POST', F + '/cancel', { request_id: 'r1', type: 'force' });
    eq([r.status, await last()], [204, 'cancel'], 'cancel: 204');
    eq((await json('POST', F + '/cancel', {})).status, 400,
       'cancel without request_id: 400');

    r = await json('POST', F + '/events', { name: 'e1', content: 'e30=' });
    const eid = r.json && r.json.id;
    eq([r.status, r.json && r.json.name, await last()], [200, 'e1', 'event'],
       'event: 200 with id and name');
    r = await json('PUT', F + '/events/' + eid, { content: 'e30K' });
    eq(r.status, 200, 'event update: 200');
    eq((await request('GET', F + '/events/' + eid)).json.content, 'e30K',
       'the event reads back');
    eq((await request('DELETE', F + '/events/' + eid)).status, 204,
       'event delete: 204');
    eq((await request('GET', F + '/events')).json.count, 0, 'no event left');

    const TG = P + '/functions/' + URN + '/tags';
    r = await json('POST', TG + '/create', { action: 'create', tags: [
        { key: 'a', value: '1' }, { key: 'b', value: '2' }] });
    eq([r.status, await last()], [204, 'tags'], 'tags create: 204');
    r = await json('DELETE', TG + '/delete', { tags: [{ key: 'a' }] });
    eq(r.status, 204, 'tags delete: 204');
    eq((await request('GET', TG)).json,
       { tags: [{ key: 'b', value: '2' }], sys_tags: [] }, 'tags read back');
    r = await json('POST', P + '/functions/resource-instances/filter',
                   { tags: [{ key: 'b', values: ['2'] }] });
    eq([r.status, r.json.total_count, r.json.resources[0].resource_name,
        await last()], [200, 1, 'selftest-fn', 'read'],
       'resource-instances/filter finds it by tag');
    r = await json('POST', P + '/functions/resource-instances/count',
                   { tags: [{ key: 'a' }] });
    eq(r.json, { total_count: 0 }, 'resource-instances/count');
    eq((await json('POST', P + '/buckets/x/tags/create', { tags: [] }))
        .status, 404, 'tags of an unknown resource type: 404');

    r = await json('POST', P + '/fgs/dependencies/version', {
        depend_type: 'zip', depend_file: 'aGk=', runtime: 'Python3.10',
        name: 'dep' });
    const dep = r.json || {};
    eq([r.status, dep.version, dep.size, await last()],
       [200, 1, 2, 'dependency'], 'dependency version: 200');
    const DV = P + '/fgs/dependencies/' + dep.dep_id + '/version/1';
    eq((await request('GET', DV)).json.name, 'dep', 'it reads back');
    eq((await request('DELETE', DV)).status, 204, 'and deletes: 204');
    eq((await request('DELETE', DV)).status, 404, 'not twice');

    r = await json('POST', P + '/fgs/applications', { name: 'app' });
    const app = r.json && r.json.application_id;
    eq([r.status, await last()], [200, 'application'], 'application: 200');
    eq((await request('GET', P + '/fgs/applications/' + app)).json.name,
       'app', 'it reads back');
    eq((await request('DELETE', P + '/fgs/applications/' + app)).status, 204,
       'application delete: 204');

    const flow = { name: 'wf', start: 's1', functions: [],
                   states: [{ id: 's1', type: 'Operation', end: true }] };
    r = await json('POST', P + '/fgs/workflows', flow);
    const wf = r.json || {};
    eq([r.status, wf.workflow_urn, await last()],
       [200, 'urn:fss:cn-north-4:' + PROJECT + ':workflow:wf', 'workflow'],
       'workflow: 200 with its URN');
    eq((await json('POST', P + '/fgs/workflows',
                   Object.assign({}, flow, { name: 'w2', start: 'zz' })))
        .status, 400, 'a workflow whose start names no state: 400');
    const WF = P + '/fgs/workflows/' + wf.id;
    r = await json('PUT', WF, Object.assign({}, flow, { description: 'x' }));
    eq([r.status, r.json && r.json.description], [200, 'x'],
       'workflow update: 200');
    r = await json('POST', WF + '/executions', { input: { a: 1 } });
    const ex = r.json && r.json.execution_id;
    eq([r.status, await last()], [200, 'execute'], 'execution: 200');
    r = await json('POST', WF + '/callback', { result: 'success' },
                   { 'X-WorkFlow-Run-ID': ex, 'X-WorkFlow-State-ID': 's1' });
    eq([r.status, r.json, await last()],
       [200, { execution_id: ex }, 'workflow_execution'], 'callback: 200');
    eq((await request('POST', WF + '/executions/' + ex + '/retry')).status,
       200, 'retry: 200');
    eq((await request('POST', WF + '/executions/' + ex + '/terminate'))
        .status, 200, 'terminate: 200');
    eq((await request('GET', WF + '/executions/' + ex)).json.status,
       'terminated', 'the execution reads back terminated');
    eq((await request('POST', WF + '/executions/nope/retry')).status, 404,
       'retry of no execution: 404');
    r = await json('POST', WF + '/sync-executions', { input: { a: 2 } });
    eq([r.status, r.json && r.json.output], [200, { a: 2 }],
       'sync execution: 200 with its output');
    r = await json('DELETE', P + '/fgs/workflows',
                   { workflow_urns: [wf.workflow_urn, 'urn:none'] });
    eq([r.status, r.json && r.json.success, r.json && r.json.fail.length],
       [200, [wf.workflow_urn], 1], 'batch delete: success and fail');

    r = await json('POST', P + '/fgs/vpc-endpoint',
                   { vpc_id: 'v', subnet_id: 's' });
    eq([r.status, r.json && r.json.endpoints.length, await last()],
       [200, 1, 'vpc_endpoint'], 'VPC endpoint: 200');
    eq((await request('DELETE', P + '/fgs/vpc-endpoint/v/s')).status, 204,
       'VPC endpoint delete: 204');
    r = await request('POST', BASE + 'enable-lts-logs');
    eq([r.status, await last()], [204, 'lts_log'], 'enable-lts-logs: 204');
    r = await request('POST', BASE + 'enable-async-status-logs');
    eq([r.status, await last()], [204, 'async_status_log'],
       'enable-async-status-logs: 204');

    const st = await state();
    ok(st.lts_logs && st.async_status_logs && st.cancelled.length === 1
       && st.snapshots[URN + ':latest'] === 'enable',
       'GET /__mock/state shows what the writes left', st);
    eq((await request('DELETE', BASE + 'urn:fss:cn-north-4:' + PROJECT
                      + ':function:default:imported')).status, 204,
       'the imported function deletes');
}

async function testSignatures() {
    const target = FIXTURE.target;
    let r = await request(FIXTURE.method, target,
                          { body: FIXTURE.body, headers: fixtureHeaders() });
    eq(r.status, 200, 'an SDK-signed request verifies');
    let rec = await lastRecord();
    eq([rec.signature, rec.auth.access_key, rec.auth.scheme],
       [true, 'TESTAK', 'aksk'], 'record: verdict true and the access key');

    r = await request(FIXTURE.method, target, {
        body: FIXTURE.body.replace('1024', '2048'), headers: fixtureHeaders()
    });
    eq([r.status, r.json], [401, AUTH_FAILED],
       'a changed body: 401 APIG.0301');
    rec = await lastRecord();
    eq([rec.signature, rec.auth.reason], [false, 'signature mismatch'],
       'record: verdict false');

    r = await request(FIXTURE.method, target, {
        body: FIXTURE.body, headers: fixtureHeaders({ host: '127.0.0.1' })
    });
    eq(r.status, 401, 'a changed Host (port dropped): 401');
    r = await request(FIXTURE.method, target + '?x=1', {
        body: FIXTURE.body, headers: fixtureHeaders()
    });
    eq(r.status, 401, 'an added query parameter: 401');
    r = await request(FIXTURE.method, target.replace(/:/g, '%3A'), {
        body: FIXTURE.body, headers: fixtureHeaders()
    });
    eq(r.status, 200,
       'the URN percent-encoded still verifies (segments are decoded)');
    r = await request(FIXTURE.method, target, {
        body: FIXTURE.body,
        headers: fixtureHeaders({ 'X-Sdk-Date': '20200101T000000Z' })
    });
    eq(r.status, 401, 'a changed X-Sdk-Date: 401');
    r = await request(FIXTURE.method, target, {
        body: FIXTURE.body, headers: fixtureHeaders({
            Authorization: fixtureHeaders().Authorization
                .replace('Access=TESTAK', 'Access=OTHER') })
    });
    eq([r.status, (await lastRecord()).auth.reason],
       [401, 'unknown access key'], 'another access key: 401');
    r = await request(FIXTURE.method, target, {
        chunks: [FIXTURE.body.slice(0, 10), FIXTURE.body.slice(10)],
        headers: fixtureHeaders({ 'Transfer-Encoding': 'chunked' })
    });
    rec = await lastRecord();
    eq([r.status, rec.chunked, Buffer.from(rec.body_b64, 'base64')
        .toString()], [200, true, FIXTURE.body],
       'a chunked body is reassembled and verifies');
    r = await request(FIXTURE.method, target, {
        body: FIXTURE.body,
        headers: fixtureHeaders({ Authorization: 'Basic eDp5' })
    });
    eq(r.status, 401, 'another Authorization scheme: 401');
}

async function testConnections() {
    const get = 'GET ' + BASE + URN + '/config HTTP/1.0\r\nHost: a\r\n'
                + 'Connection: keep-alive\r\n\r\n';
    const r = await raw(get + get, 500);
    const answers = r.data.split('HTTP/1.1 200 OK').length - 1;
    eq(answers, 2, 'HTTP/1.0 keep-alive: two answers on one connection');
    const recs = (await records(0)).slice(-2);
    eq(recs.map(x => x.http_version), ['1.0', '1.0'],
       'record has the HTTP version');
}

async function testBehaviour() {
    let r = await json('POST', '/__mock/behaviour',
                       { status: 502, count: 2, ops: ['config'] });
    eq(r.status, 200, 'queues a misbehaviour');
    r = await request('GET', BASE + URN + '/config');
    eq(r.status, 200, 'ops filter: a read is not affected');
    const cfg = { func_name: 'selftest-fn', runtime: 'Python3.10',
                  timeout: 3, handler: 'a.b', memory_size: 128 };
    const s1 = (await json('PUT', BASE + URN + '/config', cfg)).status;
    const s2 = (await json('PUT', BASE + URN + '/config', cfg)).status;
    const s3 = (await json('PUT', BASE + URN + '/config', cfg)).status;
    eq([s1, s2, s3], [502, 502, 200], 'status 502 for exactly count=2');
    eq((await lastRecord()).behaviour, null, 'record: no behaviour after');

    await json('POST', '/__mock/behaviour', { delay_ms: 400 });
    const t0 = Date.now();
    r = await request('GET', BASE + URN + '/config');
    ok(r.status === 200 && Date.now() - t0 >= 380, 'delay_ms delays',
       Date.now() - t0);

    await json('POST', '/__mock/behaviour', { reset: true });
    let e = null;
    try {
        await request('GET', BASE + URN + '/config');
    } catch (err) {
        e = err.code;
    }
    eq(e, 'ECONNRESET', 'reset drops the connection');

    await json('POST', '/__mock/behaviour', { garbage: true });
    const g = await raw('GET ' + BASE + URN + '/config HTTP/1.1\r\n'
                        + 'Host: a\r\n\r\n');
    ok(!/^HTTP\/1\.[01] /.test(g.data) && g.data.length > 0,
       'garbage answers bytes that are not HTTP', g);

    await json('POST', '/__mock/behaviour', { truncate: true });
    const t = await raw('GET ' + BASE + URN + '/config HTTP/1.1\r\n'
                        + 'Host: a\r\n\r\n');
    ok(/Content-Length: 100\r\n\r\n/.test(t.data)
       && t.data.split('\r\n\r\n')[1].length < 100,
       'truncate sends less body than promised', t);

    r = await json('POST', '/__mock/behaviour', { status: 42 });
    eq(r.status, 400, 'a bad behaviour is refused');
    eq((await request('GET', '/__mock/behaviour')).json, [],
       'the queue is empty again');
}

async function testSdk() {
    if (!fs.existsSync(SDK)) {
        n++;
        process.stdout.write('ok ' + n + ' # SKIP t/node_modules not '
                             + 'installed (scripts/t-prepare.sh)\n');
        return;
    }
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fgs-e2e-home-'));
    const env = Object.assign({}, process.env, { HOME: home });
    const base = ['--endpoint', 'http://127.0.0.1:' + port, '--ak', 'TESTAK',
                  '--project', PROJECT, '--urn', URN];
    const since = (await lastRecord()).seq;
    try {
        let r = await run(process.execPath, [E2E, ...base, '--sk', 'TESTSK',
                                             '--op', 'code'], env);
        let line = JSON.parse(r.stdout || 'null') || {};
        ok(r.code === 0 && line.status === 200 && /^[0-9a-f]{128}$/
           .test(line.digest), 'SDK code update through the mock', r);
        r = await run(process.execPath, [E2E, ...base, '--sk', 'TESTSK',
                                         '--op', 'config', '--runtime',
                                         'Java17', '--memory', '2048',
                                         '--expect', '200'], env);
        ok(r.code === 0, 'SDK config update through the mock', r);
        r = await run(process.execPath, [E2E, ...base, '--sk', 'TESTSK',
                                         '--op', 'config',
                                         '--unsigned-payload'], env);
        line = JSON.parse(r.stdout || 'null') || {};
        eq(line.status, 200, 'SDK with UNSIGNED-PAYLOAD verifies');
        r = await run(process.execPath, [E2E, ...base, '--sk', 'WRONG',
                                         '--op', 'config'], env);
        line = JSON.parse(r.stdout || 'null') || {};
        eq([line.status, line.error_code], [401, 'APIG.0301'],
           'SDK reports the 401 of a wrong SK');
        const recs = await records(since);
        eq(recs.map(x => x.signature), [true, true, true, false],
           'recorded verdicts of the SDK calls');
        eq(recs.map(x => x.auth.payload_unsigned), [false, false, true,
                                                    false],
           'recorded UNSIGNED-PAYLOAD use');
        const cfg = JSON.parse(Buffer.from(recs[1].body_b64, 'base64'));
        eq([cfg.runtime, cfg.memory_size], ['Java17', 2048],
           'the SDK sent the given runtime and memory');

        const wurn = URN.replace(/selftest-fn$/, 'selftest-writes');
        await request('PUT', '/__mock/functions',
                      { body: JSON.stringify({ func_urn: wurn }) });
        r = await run(process.execPath, [WRITES, '--endpoint',
                                         'http://127.0.0.1:' + port,
                                         '--mock', 'http://127.0.0.1:' + port,
                                         '--ak', 'TESTAK', '--sk', 'TESTSK',
                                         '--project', PROJECT,
                                         '--urn', wurn], env);
        const lines = r.stdout.trim().split('\n').map(l => JSON.parse(l));
        ok(r.code === 0 && lines.length >= 40
           && lines.every(l => l.status >= 200 && l.status < 300
                          && l.signature === true),
           'SDK writes (sdk-writes.js) all answered 2xx and verified',
           lines.filter(l => !(l.status < 300 && l.signature === true))
               .concat([r.stderr]));
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

async function testReset(logFile) {
    let r = await request('POST', '/__mock/reset');
    eq(r.status, 200, 'reset answers 200');
    eq([(await records(0)).length,
        (await request('GET', '/__mock/functions')).json.length], [0, 0],
       'reset forgets records and functions');
    const st = (await request('GET', '/__mock/state')).json;
    eq([st.cancelled, st.tags, st.lts_logs], [[], {}, false],
       'reset forgets what the other endpoints keep');
    r = await json('PUT', BASE + URN + '/code',
                   { code_type: 'inline', func_code: { file: 'aGk=' } });
    eq(r.status, 404, 'after reset the function is gone');
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
    ok(lines.length > 10 && JSON.parse(lines[0]).seq === 1,
       '--log writes one JSON line per request', lines.length);
}

/* A second mock: --seed, and signatures recorded but not checked. */
async function testSeedFile(dir) {
    const seedFile = path.join(dir, 'seed.json');
    fs.writeFileSync(seedFile, JSON.stringify([
        { func_urn: URN, runtime: 'Java17', memory_size: 2048 },
        { func_urn: URN + ':v1' }
    ]));
    const m = await startMock(['--listen', '127.0.0.1:0', '--seed',
                               seedFile]);
    const saved = port;
    port = m.port;
    try {
        const fns = (await request('GET', '/__mock/functions')).json;
        eq(fns.map(f => [f.func_urn, f.runtime, f.version]),
           [[URN, 'Java17', 'latest'], [URN + ':v1', 'Python3.10', 'v1']],
           '--seed loads functions; versions are separate entries');
        const r = await request(FIXTURE.method, FIXTURE.target, {
            body: FIXTURE.body.replace('1024', '2048'),
            headers: fixtureHeaders()
        });
        eq([r.status, (await lastRecord()).signature], [200, 'unchecked'],
           'without --ak/--sk a signed request passes as "unchecked"');
    } finally {
        port = saved;
        m.child.removeAllListeners('exit');
        m.child.kill('SIGTERM');
    }
}

async function main() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fgs-mock-selftest-'));
    const logFile = path.join(dir, 'mock.log');
    const guard = setTimeout(() => {
        ok(false, 'selftest finished within 90 s');
        process.exit(1);
    }, 90000);
    let mock = null;
    try {
        await testCli();
        mock = await startMock(['--listen', '127.0.0.1:0', '--ak', 'TESTAK',
                                '--sk', 'TESTSK', '--log', logFile]);
        port = mock.port;
        ok(true, 'mock started on port ' + port);
        eq((await request('GET', '/__mock/health')).json, { ok: true },
           'health endpoint');
        await testSeedAndCode();
        await testConfigAndCreate();
        await testEndpoints();
        await testSignatures();
        await testConnections();
        await testBehaviour();
        await testSdk();
        await testReset(logFile);
        await testSeedFile(dir);
    } catch (e) {
        ok(false, 'no exception', String(e.stack || e));
    } finally {
        clearTimeout(guard);
        if (mock) {
            mock.child.removeAllListeners('exit');
            mock.child.kill('SIGTERM');
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
    process.stdout.write('1..' + n + '\n');
    process.exitCode = failed ? 1 : 0;
}

main();

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
    r = await request('GET', BASE + URN + '/triggers');
    eq(r.status, 404, 'anything else under /v2/: 404');
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

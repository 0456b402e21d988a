#!/usr/bin/env node
'use strict';
/*
 * Mock Huawei Cloud FunctionGraph for the demo and the tests: serves the
 * function-changing API like the API reference, keeps function state in
 * memory, records every request (headers and exact body bytes) for tests
 * to read back, and verifies SDK-HMAC-SHA256 signatures for one AK/SK.
 * Node built-ins only.
 *
 *   node t/mock/fgs-mock.js --listen 127.0.0.1:PORT [--ak AK --sk SK]
 *        [--log FILE] [--seed FILE] [--region R] [--max-skew SECONDS]
 *        [--max-body BYTES] [--max-records N] [--max-record-bytes BYTES]
 *
 * The API served: a function's create, code, config, reads, invocations
 * and deletion here; every other write the gateway models (versions,
 * aliases, triggers, events, tags, workflows, ...) in endpoints.js.
 *
 * Control endpoints (outside /v2/, neither recorded nor authenticated):
 *   GET    /__mock/health            {"ok":true}
 *   GET    /__mock/requests[?since=N] records with seq > N (default all)
 *   DELETE /__mock/requests          forget the records
 *   POST   /__mock/reset             forget records, functions, behaviours
 *   PUT    /__mock/functions         seed one function or an array of them
 *   GET    /__mock/functions         every function's metadata
 *   GET    /__mock/state             what the other endpoints keep
 *                                     (endpoints.js): aliases, triggers...
 *   POST   /__mock/behaviour         queue a misbehaviour (behaviour.js)
 *   GET    /__mock/behaviour         the queue;  DELETE: empty it
 */

const http = require('http');
const fs = require('fs');
const crypto = require('crypto');
const { verifyRequest } = require('./aksk-verify');
const { FunctionStore, StoreError } = require('./function-store');
const { RequestLog } = require('./request-log');
const { Behaviour } = require('./behaviour');
const endpoints = require('./endpoints');

const USAGE = 'usage: fgs-mock.js --listen 127.0.0.1:PORT [--ak AK --sk SK]'
    + ' [--log FILE] [--seed FILE] [--region R] [--max-skew SECONDS]'
    + ' [--max-body BYTES] [--max-records N] [--max-record-bytes BYTES]';

const AUTH_FAILED = {
    error_code: 'APIG.0301',
    error_msg: 'Incorrect IAM authentication information: '
               + 'verify aksk signature fail'
};
const NO_API = {
    error_code: 'APIG.0101',
    error_msg: 'The API does not exist or has not been published in the '
               + 'environment'
};

function die(msg) {
    process.stderr.write('fgs-mock: ' + msg + '\n' + USAGE + '\n');
    process.exit(2);
}

function parseArgs(argv) {
    const opts = {
        listen: null, ak: null, sk: null, log: null, seed: null,
        region: 'cn-north-4', maxSkew: 0, maxBody: 256 * 1024 * 1024,
        maxRecords: 10000, maxRecordBytes: 512 * 1024 * 1024
    };
    const names = {
        '--listen': 'listen', '--ak': 'ak', '--sk': 'sk', '--log': 'log',
        '--seed': 'seed', '--region': 'region', '--max-skew': 'maxSkew',
        '--max-body': 'maxBody', '--max-records': 'maxRecords',
        '--max-record-bytes': 'maxRecordBytes'
    };
    for (let i = 0; i < argv.length; i += 2) {
        const key = names[argv[i]];
        if (key === undefined || argv[i + 1] === undefined) {
            die('bad argument ' + argv[i]);
        }
        const v = argv[i + 1];
        if (typeof opts[key] === 'number') {
            if (!/^\d+$/.test(v)) {
                die(argv[i] + ' needs a non-negative integer');
            }
            opts[key] = Number(v);
        } else {
            opts[key] = v;
        }
    }
    if (!opts.listen) {
        die('--listen is required');
    }
    if ((opts.ak === null) !== (opts.sk === null)) {
        die('--ak and --sk go together');
    }
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(opts.listen);
    if (!m) {
        die('--listen takes HOST:PORT');
    }
    opts.host = m[1] || m[2];
    opts.port = Number(m[3]);
    /* Loopback only: the mock is never reachable from another machine. */
    if (!/^127\.\d+\.\d+\.\d+$/.test(opts.host) && opts.host !== '::1'
        && opts.host !== 'localhost')
    {
        die('--listen must be a loopback address');
    }
    return opts;
}

function send(res, status, body, extraHeaders) {
    const headers = Object.assign({ 'X-Request-Id': crypto.randomUUID() },
                                  extraHeaders);
    if (body === null || status === 204 || status === 304) {
        if (status !== 204 && status !== 304) {
            headers['Content-Length'] = 0;
        }
        res.writeHead(status, headers);
        res.end();
        return;
    }
    const data = Buffer.from(JSON.stringify(body));
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = data.length;
    res.writeHead(status, headers);
    res.end(data);
}

function parseJson(body) {
    try {
        return JSON.parse(body.toString('utf8'));
    } catch (e) {
        throw new StoreError(400, 'FSS.0400', 'Invalid JSON request body');
    }
}

/*
 * What a /v2/ request is: operation name plus the handler answering it.
 * Path layout: /v2/{project_id}/fgs/functions[/{function_urn}[/{action}]]
 * here, everything else under /v2/{project_id}/ in endpoints.js.
 */
function route(ctx, method, path, headers) {
    const store = ctx.store;
    const seg = path.split('/');
    const op = (name, run, urn) => ({ operation: name, run, urn,
                                      project: seg[2] });

    if (seg.length >= 4 && seg[0] === '' && seg[1] === 'v2') {
        const r = endpoints.route(ctx.endpoints, method, seg, headers);
        if (r !== null) {
            return Object.assign(r, { project: seg[2] });
        }
    }

    if (seg.length < 5 || seg[0] !== '' || seg[1] !== 'v2' || seg[3] !== 'fgs'
        || seg[4] !== 'functions')
    {
        return op('other', () => [404, NO_API]);
    }
    const project = seg[2];
    if (seg.length === 5) {
        if (method === 'POST') {
            return op('create', body =>
                [200, store.create(project, parseJson(body))]);
        }
        if (method === 'GET') {
            return op('read', () => [200, {
                functions: store.list().filter(f => f.namespace === project)
                    .map(f => store.metadata(f)),
                next_marker: 0, count: store.list().length }]);
        }
        return op('other', () => [404, NO_API]);
    }
    let urn;
    try {
        urn = decodeURIComponent(seg[5]);
    } catch (e) {
        urn = seg[5];
    }
    const action = seg.length === 7 ? seg[6] : null;
    if (seg.length > 7) {
        return op('other', () => [404, NO_API], urn);
    }
    const key = method + ' ' + (action === null ? '' : action);
    switch (key) {
    case 'PUT code':
        return op('code', body =>
            [200, store.updateCode(project, urn, parseJson(body))], urn);
    case 'PUT config':
        return op('config', body =>
            [200, store.updateConfig(project, urn, parseJson(body))], urn);
    case 'GET config':
        return op('read', () =>
            [200, store.metadata(store.lookup(project, urn).f)], urn);
    case 'GET code':
        return op('read', () =>
            [200, store.code(store.lookup(project, urn).f)], urn);
    case 'POST invocations':
        return op('invoke', body => {
            store.lookup(project, urn);
            return [200, { request_id: crypto.randomUUID(),
                           result: body.toString('utf8'), log: '',
                           status: 200 }];
        }, urn);
    case 'POST invocations-async':
        return op('invoke', () => {
            store.lookup(project, urn);
            return [202, { request_id: crypto.randomUUID() }];
        }, urn);
    case 'DELETE ':
        return op('delete', () => {
            store.remove(project, urn);
            return [204, null];
        }, urn);
    default:
        return op('other', () => [404, NO_API], urn);
    }
}

/* Carries out an injected misbehaviour; true when it answered already. */
function misbehave(b, req, res, rec) {
    const sock = req.socket;
    if (b.reset) {
        sock.resetAndDestroy();
        return true;
    }
    if (b.garbage) {
        sock.end('\x00\x17garbage, not HTTP\r\n\r\n\xff\xfe');
        return true;
    }
    if (b.truncate) {
        rec.status = b.status || 200;
        sock.end('HTTP/1.1 ' + rec.status + ' OK\r\nContent-Type: '
                 + 'application/json\r\nContent-Length: 100\r\n\r\n'
                 + '{"func_urn":"trunc');
        setTimeout(() => sock.destroy(), 50).unref();
        return true;
    }
    if (b.status !== undefined) {
        rec.status = b.status;
        if (b.body !== undefined) {
            const data = Buffer.from(String(b.body));
            res.writeHead(b.status, { 'Content-Type': 'application/json',
                                      'Content-Length': data.length });
            res.end(data);
        } else {
            send(res, b.status, { error_code: 'FSS.0' + b.status,
                                  error_msg: 'injected by the mock' });
        }
        return true;
    }
    return false;
}

function serveApi(ctx, req, res, body) {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const r = route(ctx, req.method, path, req.headers);
    const auth = verifyRequest({ method: req.method, target: req.url,
                                 rawHeaders: req.rawHeaders, body },
                               ctx.creds);
    const rec = ctx.log.add(req, body, {
        operation: r.operation, project_id: r.project || null,
        function_urn: r.urn || null, signature: auth.verdict, auth
    });

    const finish = () => {
        if (!res.writableEnded && !req.socket.destroyed) {
            if (ctx.creds && auth.verdict === false) {
                rec.status = 401;
                send(res, 401, AUTH_FAILED);
            } else if (body.tooLarge) {
                rec.status = 413;
                send(res, 413, { error_code: 'FSS.0413',
                                 error_msg: 'Request body too large' },
                     { Connection: 'close' });
            } else if (!(rec.behaviour && misbehave(rec.behaviour, req,
                                                    res, rec)))
            {
                let status, out;
                try {
                    [status, out] = r.run(body);
                } catch (e) {
                    if (!(e instanceof StoreError)) {
                        throw e;
                    }
                    [status, out] = [e.status, e.body];
                }
                rec.status = status;
                send(res, status, out);
            }
        }
        ctx.log.done(rec);
    };

    rec.behaviour = ctx.behaviour.take(r.operation);
    if (rec.behaviour && rec.behaviour.delay_ms) {
        setTimeout(finish, rec.behaviour.delay_ms);
    } else {
        finish();
    }
}

function serveControl(ctx, req, res, body) {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
    const key = req.method + ' ' + path;

    try {
        switch (key) {
        case 'GET /__mock/health':
            return send(res, 200, { ok: true });
        case 'GET /__mock/requests': {
            const since = Number(params.get('since') || 0);
            return send(res, 200, ctx.log.list(since));
        }
        case 'DELETE /__mock/requests':
            ctx.log.clear();
            return send(res, 204, null);
        case 'POST /__mock/reset':
            ctx.log.clear();
            ctx.store.clear();
            ctx.endpoints.clear();
            ctx.behaviour.clear();
            return send(res, 200, { ok: true });
        case 'PUT /__mock/functions': {
            const v = parseJson(body);
            const list = Array.isArray(v) ? v : [v];
            return send(res, 200, list.map(m => ctx.store.seed(m)));
        }
        case 'GET /__mock/functions':
            return send(res, 200, ctx.store.list());
        case 'GET /__mock/state':
            return send(res, 200, ctx.endpoints.snapshot());
        case 'POST /__mock/behaviour': {
            const err = ctx.behaviour.add(parseJson(body));
            if (err) {
                return send(res, 400, { error_code: 'MOCK.0400',
                                        error_msg: err });
            }
            return send(res, 200, ctx.behaviour.queue);
        }
        case 'GET /__mock/behaviour':
            return send(res, 200, ctx.behaviour.queue);
        case 'DELETE /__mock/behaviour':
            ctx.behaviour.clear();
            return send(res, 204, null);
        default:
            return send(res, 404, { error_code: 'MOCK.0404',
                                    error_msg: 'no such control endpoint' });
        }
    } catch (e) {
        if (e instanceof StoreError) {
            return send(res, e.status, e.body);
        }
        throw e;
    }
}

function handle(ctx, req, res) {
    const chunks = [];
    let size = 0;
    let tooLarge = false;

    req.on('data', c => {
        size += c.length;
        if (size > ctx.opts.maxBody) {
            tooLarge = true;
        } else {
            chunks.push(c);
        }
    });
    req.on('end', () => {
        const body = Buffer.concat(chunks);
        body.tooLarge = tooLarge;
        try {
            if (req.url.startsWith('/__mock/')) {
                serveControl(ctx, req, res, body);
            } else {
                serveApi(ctx, req, res, body);
            }
        } catch (e) {
            process.stderr.write('fgs-mock: ' + (e.stack || e) + '\n');
            if (!res.headersSent) {
                send(res, 500, { error_code: 'FSS.0500',
                                 error_msg: 'mock internal error' });
            }
        }
    });
}

function main() {
    const opts = parseArgs(process.argv.slice(2));
    const store = new FunctionStore({ region: opts.region });
    const ctx = {
        opts,
        creds: opts.ak === null ? null
               : { ak: opts.ak, sk: opts.sk, maxSkew: opts.maxSkew },
        store,
        endpoints: new endpoints.Endpoints(store),
        log: new RequestLog({ maxRecords: opts.maxRecords,
                              maxBytes: opts.maxRecordBytes,
                              logFile: opts.log }),
        behaviour: new Behaviour()
    };

    if (opts.seed) {
        const v = JSON.parse(fs.readFileSync(opts.seed, 'utf8'));
        for (const m of Array.isArray(v) ? v : [v]) {
            ctx.store.seed(m);
        }
    }

    const server = http.createServer({ requestTimeout: 0 },
                                     (req, res) => handle(ctx, req, res));
    server.keepAliveTimeout = 65000;
    server.headersTimeout = 66000;
    server.on('error', e => die(e.message));
    server.listen(opts.port, opts.host, () => {
        const a = server.address();
        const host = a.family === 'IPv6' ? '[' + a.address + ']' : a.address;
        process.stdout.write('fgs-mock listening on ' + host + ':' + a.port
                             + '\n');
    });

    const stop = () => {
        server.close();
        server.closeAllConnections();
        process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

main();

#!/usr/bin/env node
'use strict';
/*
 * HTTP/2 requests over one cleartext connection with prior knowledge
 * (h2c), for the bypass tests: all streams are opened at once, each
 * :path is sent exactly as given, and a content-length header is sent
 * unless the request says "no_length".  Prints one JSON line: a list
 * with, for each request in order, {"status": N, "headers": {...},
 * "body_b64": "...", "rst": code} or {"error": "..."}.
 *
 *   node h2-request.js PORT SPEC.json
 *
 * SPEC.json: [{"method": "PUT", "path": "/v2/...", "headers": {...},
 *              "body_b64": "...", "no_length": false,
 *              "cancel_after": N}, ...]
 *
 * With cancel_after the client sends only the first N bytes of the body
 * and then cancels the stream (RST_STREAM CANCEL): a client gone
 * mid-body.
 *
 * (curl 7.88 reports a stream error when a server answers before it has
 * read the whole body and then resets the stream with NO_ERROR, as
 * RFC 9113 section 8.1 allows; node's client reads such answers.)
 */

const http2 = require('http2');
const fs = require('fs');

const [port, specFile] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
const results = spec.map(() => ({ error: 'no answer' }));
let pending = spec.length;

function done() {
    process.stdout.write(JSON.stringify(results) + '\n');
    process.exit(0);
}

const timer = setTimeout(done, 20000);
const session = http2.connect('http://127.0.0.1:' + port);
session.on('error', e => {
    results.forEach((r, i) => {
        if (r.error === 'no answer') {
            results[i] = { error: 'session: ' + e.message };
        }
    });
});

spec.forEach((s, i) => {
    const body = Buffer.from(s.body_b64 || '', 'base64');
    const headers = Object.assign({ ':method': s.method, ':path': s.path },
                                  s.headers || {});
    if (!s.no_length) {
        headers['content-length'] = String(body.length);
    }

    const req = session.request(headers);
    let status = 0;
    let head = {};
    const chunks = [];

    req.on('response', h => {
        status = h[':status'];
        head = {};
        for (const k of Object.keys(h)) {
            if (k[0] !== ':') {
                head[k] = Array.isArray(h[k]) ? h[k].join(', ')
                                              : String(h[k]);
            }
        }
    });
    req.on('data', d => chunks.push(d));
    /* an early answer may make writing the rest of the body fail */
    req.on('error', () => {});
    req.on('close', () => {
        results[i] = status
            ? { status, headers: head, rst: req.rstCode,
                body_b64: Buffer.concat(chunks).toString('base64') }
            : { error: 'closed without a response, code ' + req.rstCode };
        if (--pending === 0) {
            clearTimeout(timer);
            session.close();
            done();
        }
    });

    if (s.cancel_after !== undefined) {
        req.write(body.subarray(0, s.cancel_after), () => {
            setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), 100);
        });
        return;
    }

    /* the body in pieces, as a client streams it */
    const PIECE = 16384;
    for (let off = 0; off < body.length; off += PIECE) {
        req.write(body.subarray(off, off + PIECE));
    }
    req.end();
});

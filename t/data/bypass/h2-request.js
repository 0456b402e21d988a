#!/usr/bin/env node
'use strict';
/*
 * One HTTP/2 request over cleartext with prior knowledge (h2c), for the
 * bypass tests: the :path is sent exactly as given, the body is read
 * from a file, and a content-length header is sent unless --no-length.
 * Prints one JSON line: {"status": N, "headers": {...}, "body_b64": "...",
 * "rst": code} or {"error": "..."}.
 *
 *   node h2-request.js PORT METHOD PATH BODY_FILE HEADERS_JSON [--no-length]
 *
 * (curl 7.88 reports a stream error when a server answers before it has
 * sent the whole body and then resets the stream with NO_ERROR, as
 * RFC 9113 section 8.1 allows; node's client reads such answers.)
 */

const http2 = require('http2');
const fs = require('fs');

const [port, method, path, bodyFile, headersJson, flag] =
    process.argv.slice(2);
const body = fs.readFileSync(bodyFile);
const headers = Object.assign({ ':method': method, ':path': path },
                              JSON.parse(headersJson));
if (flag !== '--no-length') {
    headers['content-length'] = String(body.length);
}

let done = false;
function finish(out) {
    if (!done) {
        done = true;
        process.stdout.write(JSON.stringify(out) + '\n');
    }
}

const timer = setTimeout(() => {
    finish({ error: 'timeout' });
    process.exit(1);
}, 20000);

const session = http2.connect('http://127.0.0.1:' + port);
session.on('error', e => finish({ error: 'session: ' + e.message }));

const req = session.request(headers);
let status = 0;
let head = {};
const chunks = [];

req.on('response', h => {
    status = h[':status'];
    head = {};
    for (const k of Object.keys(h)) {
        if (k[0] !== ':') {
            head[k] = Array.isArray(h[k]) ? h[k].join(', ') : String(h[k]);
        }
    }
});
req.on('data', d => chunks.push(d));
req.on('error', e => {
    if (!status) {
        finish({ error: 'stream: ' + e.message });
    }
});
req.on('close', () => {
    clearTimeout(timer);
    if (status) {
        finish({ status, headers: head, rst: req.rstCode,
                 body_b64: Buffer.concat(chunks).toString('base64') });
    } else {
        finish({ error: 'closed without a response, code ' + req.rstCode });
    }
    session.close();
});

/* the body in pieces, as a client streams it; errors after an early
   answer are expected */
const PIECE = 16384;
for (let off = 0; off < body.length; off += PIECE) {
    req.write(body.subarray(off, off + PIECE));
}
req.end();

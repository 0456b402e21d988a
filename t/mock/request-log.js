'use strict';
/*
 * The record of every request the mock received, for tests to read back.
 * Bodies are kept as received; when the bodies kept exceed a byte budget
 * the oldest records are dropped whole, so a long benchmark cannot exhaust
 * memory (sequence numbers keep counting, so a gap shows what was lost).
 */

const crypto = require('crypto');
const fs = require('fs');

class RequestLog {
    constructor(opts) {
        this.maxRecords = opts.maxRecords;
        this.maxBytes = opts.maxBytes;
        this.logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : null;
        this.clear();
        this.seq = 0;
    }

    clear() {
        this.records = [];
        this.bytes = 0;
    }

    /*
     * Adds the record of one request; the caller fills in status and
     * behaviour later on the same object (the response comes after).
     */
    add(req, body, extra) {
        const rec = Object.assign({
            seq: ++this.seq,
            time: new Date().toISOString(),
            remote_addr: req.socket.remoteAddress,
            remote_port: req.socket.remotePort,
            http_version: req.httpVersion,
            method: req.method,
            target: req.url,
            headers: pairs(req.rawHeaders),
            trailers: pairs(req.rawTrailers),
            chunked: req.headers['transfer-encoding'] !== undefined,
            body_length: body.length,
            body_sha256: crypto.createHash('sha256').update(body)
                .digest('hex'),
            status: null,
            behaviour: null
        }, extra);
        Object.defineProperty(rec, 'body', { value: body, writable: true });
        if (this.maxRecords === 0) {
            return rec;
        }
        this.records.push(rec);
        this.bytes += body.length;
        while (this.records.length > this.maxRecords
               || (this.bytes > this.maxBytes && this.records.length > 1))
        {
            this.bytes -= this.records.shift().body.length;
        }
        return rec;
    }

    /* Appends a one-line summary (no body) once the status is known. */
    done(rec) {
        if (this.logFd === null) {
            return;
        }
        const line = {
            seq: rec.seq, time: rec.time, method: rec.method,
            target: rec.target, operation: rec.operation,
            status: rec.status, signature: rec.signature,
            body_length: rec.body_length, body_sha256: rec.body_sha256,
            behaviour: rec.behaviour
        };
        fs.writeSync(this.logFd, JSON.stringify(line) + '\n');
    }

    list(since) {
        return this.records.filter(r => r.seq > since).map(r =>
            Object.assign({}, r, { body_b64: r.body.toString('base64') }));
    }
}

function pairs(raw) {
    const out = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
        out.push([raw[i], raw[i + 1]]);
    }
    return out;
}

module.exports = { RequestLog };

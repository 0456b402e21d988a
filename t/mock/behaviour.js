'use strict';
/*
 * Injected misbehaviour for fault tests: a queue of overrides, each good
 * for a number of upcoming requests under /v2/ (optionally only some
 * operations).  An override is one of, or a mix of:
 *   {"status": 502[, "body": "..."]}  answer that status instead
 *   {"delay_ms": 2000}                wait before answering
 *   {"reset": true}                   drop the connection with a TCP RST
 *   {"garbage": true}                 answer bytes that are not HTTP
 *   {"truncate": true}                promise a body, send half, close
 * with "count" (default 1) and "ops" (e.g. ["code","config"]; default all).
 */

const KINDS = ['status', 'delay_ms', 'reset', 'garbage', 'truncate'];
const MAX_DELAY_MS = 600000;

class Behaviour {
    constructor() {
        this.queue = [];
    }

    clear() {
        this.queue = [];
    }

    /* Validates and queues one override; returns an error string or null. */
    add(spec) {
        if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
            return 'behaviour must be a JSON object';
        }
        if (!KINDS.some(k => spec[k] !== undefined)) {
            return 'behaviour needs one of ' + KINDS.join(', ');
        }
        if (spec.status !== undefined
            && !(Number.isInteger(spec.status) && spec.status >= 100
                 && spec.status <= 599))
        {
            return 'status must be an integer 100..599';
        }
        if (spec.delay_ms !== undefined
            && !(Number.isInteger(spec.delay_ms) && spec.delay_ms >= 0
                 && spec.delay_ms <= MAX_DELAY_MS))
        {
            return 'delay_ms must be an integer 0..' + MAX_DELAY_MS;
        }
        const count = spec.count === undefined ? 1 : spec.count;
        if (!(Number.isInteger(count) && count >= 1)) {
            return 'count must be a positive integer';
        }
        if (spec.ops !== undefined && !(Array.isArray(spec.ops)
                                        && spec.ops.every(o =>
                                            typeof o === 'string')))
        {
            return 'ops must be an array of operation names';
        }
        this.queue.push(Object.assign({}, spec, { count }));
        return null;
    }

    /* The override that governs this request, if any, used up by one. */
    take(operation) {
        const i = this.queue.findIndex(b =>
            b.ops === undefined || b.ops.includes(operation));
        if (i < 0) {
            return null;
        }
        const b = this.queue[i];
        if (--b.count === 0) {
            this.queue.splice(i, 1);
        }
        const applied = Object.assign({}, b);
        delete applied.count;
        return applied;
    }
}

module.exports = { Behaviour };

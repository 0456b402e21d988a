'use strict';
/*
 * Server-side check of Huawei Cloud's SDK-HMAC-SHA256 request signatures,
 * as API Gateway performs it in front of FunctionGraph.
 *
 * The canonical request is rebuilt from what arrived on the wire:
 *
 *   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *   SignedHeaders \n PayloadHash
 *
 * - CanonicalURI: every path segment percent-decoded, then encoded again
 *   with only A-Z a-z 0-9 - _ . ~ left bare (so ':' becomes %3A), and a
 *   '/' appended when the path does not end in one: the official SDKs sign
 *   the path that way although they send it without the trailing slash.
 * - CanonicalQuery: parameters decoded and encoded the same way, sorted by
 *   name, repeated names sorted by value, joined with '&'.
 * - CanonicalHeaders: "name:value\n" for each name of SignedHeaders, in
 *   that order, with the value as received (trimmed; repeated headers
 *   joined with ',').
 * - PayloadHash: the X-Sdk-Content-Sha256 header when present (clients
 *   send UNSIGNED-PAYLOAD there), otherwise the hex SHA-256 of the body.
 *
 * String to sign: "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" +
 * hex(SHA-256(canonical request)); signature: hex HMAC-SHA256 with the SK.
 */

const crypto = require('crypto');

const ALGORITHM = 'SDK-HMAC-SHA256';
const AUTH_RE = new RegExp('^' + ALGORITHM + '\\s+Access=([^,\\s]+),\\s*'
    + 'SignedHeaders=([^,\\s]+),\\s*Signature=([0-9A-Fa-f]+)\\s*$');
const DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function sha256hex(data) {
    return crypto.createHash('sha256').update(data).digest('hex');
}

/* RFC 3986 encoding of every byte but the unreserved characters. */
function encodeComponent(str) {
    let out = '';
    for (const b of Buffer.from(str, 'utf8')) {
        const c = String.fromCharCode(b);
        if (/[A-Za-z0-9\-_.~]/.test(c)) {
            out += c;
        } else {
            out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
        }
    }
    return out;
}

/* Percent-decoding that leaves a malformed escape as it is. */
function decodeComponent(str) {
    try {
        return decodeURIComponent(str);
    } catch (e) {
        return str;
    }
}

function canonicalUri(path) {
    let uri = path.split('/').map(s => encodeComponent(decodeComponent(s)))
        .join('/');
    if (!uri.endsWith('/')) {
        uri += '/';
    }
    return uri;
}

function canonicalQuery(query) {
    const params = new Map();
    for (const part of query.split('&')) {
        if (part === '') {
            continue;
        }
        const eq = part.indexOf('=');
        const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
        const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
        if (!params.has(name)) {
            params.set(name, []);
        }
        params.get(name).push(value);
    }
    const out = [];
    for (const name of [...params.keys()].sort()) {
        for (const value of params.get(name).sort()) {
            out.push(encodeComponent(name) + '=' + encodeComponent(value));
        }
    }
    return out.join('&');
}

/* All values of a header from the raw list, case-insensitively. */
function headerValues(rawHeaders, name) {
    const values = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        if (rawHeaders[i].toLowerCase() === name) {
            values.push(rawHeaders[i + 1].trim());
        }
    }
    return values;
}

/*
 * req: { method, target (raw request target), rawHeaders, body (Buffer) }
 * creds: { ak, sk } or null when signatures are not checked.
 * Returns { scheme, verdict, access_key, reason, canonical_request }:
 * verdict is true or false for a signed request ("unchecked" without
 * creds), "token" for X-Auth-Token, "none" for an unauthenticated one.
 */
function verifyRequest(req, creds) {
    const auth = headerValues(req.rawHeaders, 'authorization');
    const token = headerValues(req.rawHeaders, 'x-auth-token');

    if (auth.length === 0) {
        if (token.length > 0) {
            return { scheme: 'token', verdict: 'token' };
        }
        return { scheme: 'none', verdict: 'none' };
    }
    if (auth.length > 1) {
        return { scheme: 'aksk', verdict: creds ? false : 'unchecked',
                 reason: 'more than one Authorization header' };
    }

    const m = AUTH_RE.exec(auth[0]);
    if (!m) {
        return { scheme: 'other', verdict: creds ? false : 'unchecked',
                 reason: 'Authorization is not ' + ALGORITHM };
    }
    const result = { scheme: 'aksk', access_key: m[1] };
    if (!creds) {
        result.verdict = 'unchecked';
        return result;
    }

    const fail = reason => Object.assign(result, { verdict: false, reason });
    const signedNames = m[2].split(';');
    const dates = headerValues(req.rawHeaders, 'x-sdk-date');

    if (dates.length !== 1 || !DATE_RE.test(dates[0])) {
        return fail('missing or malformed X-Sdk-Date');
    }
    if (creds.maxSkew > 0) {
        const d = DATE_RE.exec(dates[0]);
        const t = Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]);
        if (Math.abs(Date.now() - t) > creds.maxSkew * 1000) {
            return fail('X-Sdk-Date too far from the current time');
        }
    }

    let headers = '';
    for (const name of signedNames) {
        if (name === '' || name !== name.toLowerCase()) {
            return fail('malformed SignedHeaders');
        }
        const values = headerValues(req.rawHeaders, name);
        if (values.length === 0) {
            return fail('signed header ' + name + ' is missing');
        }
        headers += name + ':' + values.join(',') + '\n';
    }

    const q = req.target.indexOf('?');
    const path = q < 0 ? req.target : req.target.slice(0, q);
    const query = q < 0 ? '' : req.target.slice(q + 1);
    const declared = headerValues(req.rawHeaders, 'x-sdk-content-sha256');
    const payloadHash = declared.length > 0 ? declared[0]
                                            : sha256hex(req.body);

    const canonical = [req.method, canonicalUri(path), canonicalQuery(query),
                       headers, signedNames.join(';'), payloadHash]
                      .join('\n');
    const stringToSign = ALGORITHM + '\n' + dates[0] + '\n'
                         + sha256hex(canonical);
    const expected = crypto.createHmac('sha256', creds.sk)
        .update(stringToSign).digest('hex');

    result.canonical_request = canonical;
    result.payload_unsigned = payloadHash === 'UNSIGNED-PAYLOAD';

    if (m[1] !== creds.ak) {
        return fail('unknown access key');
    }
    const given = Buffer.from(m[3].toLowerCase());
    if (given.length !== expected.length
        || !crypto.timingSafeEqual(given, Buffer.from(expected)))
    {
        return fail('signature mismatch');
    }
    result.verdict = true;
    return result;
}

module.exports = { verifyRequest, canonicalUri, canonicalQuery,
                   encodeComponent, ALGORITHM };

#!/usr/bin/env node
'use strict';
/*
 * End-to-end client: the official FunctionGraph Node.js SDK, pointed at
 * the gateway (or straight at the mock), signing with AK/SK.  One JSON
 * line per call on stdout:
 *   {"op":"code","status":200,"error_code":null,"digest":"..."}
 *   {"op":"config","status":403,"error_code":"FGSPOL.4030","error_msg":".."}
 *
 *   node t/e2e/sdk-e2e.js --endpoint http://127.0.0.1:8080 --ak AK --sk SK
 *        --project P --urn URN --op code|config|create [options]
 *
 * code:    --code-type T (inline)  --code-b64 B64 | --code-file PATH
 *          --code-filename NAME  --code-url URL  --kms KEY_ID
 * config:  --func-name N --runtime R --memory M --timeout S --handler H
 *          --user-data S --vpc-id V --subnet-id S --kms KEY_ID (as
 *          user_data_encrypt_kms_key_id, the only KMS field the SDK's
 *          config model has)
 * create:  the config options plus the code ones and --package P
 * any:     --unsigned-payload  sign with X-Sdk-Content-Sha256:
 *                              UNSIGNED-PAYLOAD instead of the body hash
 *          --repeat N          the same call N times, a line each
 *          --expect STATUS     exit 1 unless every call answered STATUS
 *          --sdk-log           let the SDK's own logging through (stderr)
 * Exit status: 0 done, 1 an --expect mismatch, 2 usage or no HTTP answer.
 */

const path = require('path');
const fs = require('fs');

const MODULES = path.join(__dirname, '..', 'node_modules');
const core = require(path.join(MODULES, '@huaweicloud/huaweicloud-sdk-core'));
const fg = require(path.join(MODULES,
                             '@huaweicloud/huaweicloud-sdk-functiongraph'));

/* A small valid zip (index.py: a handler returning its event), base64. */
const DEFAULT_CODE =
    'UEsDBBQAAAAAAAAAIVi0CHBpLgAAAC4AAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxl'
    + 'cihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4gZXZlbnQKUEsBAhQDFAAAAAAA'
    + 'AAAhWLQIcGkuAAAALgAAAAgAAAAAAAAAAAAAAIABAAAAAGluZGV4LnB5UEsFBgAA'
    + 'AAABAAEANgAAAFQAAAAAAA==';

const FLAGS = {
    '--endpoint': 'endpoint', '--ak': 'ak', '--sk': 'sk',
    '--project': 'project', '--urn': 'urn', '--op': 'op',
    '--code-type': 'codeType', '--code-b64': 'codeB64',
    '--code-file': 'codeFile', '--code-filename': 'codeFilename',
    '--code-url': 'codeUrl', '--kms': 'kms', '--func-name': 'funcName',
    '--runtime': 'runtime', '--memory': 'memory', '--timeout': 'timeout',
    '--handler': 'handler', '--user-data': 'userData', '--vpc-id': 'vpcId',
    '--subnet-id': 'subnetId', '--package': 'package', '--repeat': 'repeat',
    '--expect': 'expect'
};
const SWITCHES = { '--unsigned-payload': 'unsigned', '--sdk-log': 'sdkLog' };

function usage(msg) {
    process.stderr.write('sdk-e2e: ' + msg + '\nusage: sdk-e2e.js --endpoint'
        + ' URL --ak AK --sk SK --project P --urn URN --op code|config|create'
        + ' [options: see the head of this file]\n');
    process.exit(2);
}

function parseArgs(argv) {
    const o = { codeType: 'inline', repeat: '1' };
    for (let i = 0; i < argv.length; i++) {
        if (SWITCHES[argv[i]]) {
            o[SWITCHES[argv[i]]] = true;
        } else if (FLAGS[argv[i]] && i + 1 < argv.length) {
            o[FLAGS[argv[i]]] = argv[++i];
        } else {
            usage('bad argument ' + argv[i]);
        }
    }
    for (const k of ['endpoint', 'ak', 'sk', 'project', 'op']) {
        if (o[k] === undefined) {
            usage('--' + k + ' is required');
        }
    }
    if (o.op !== 'create' && o.urn === undefined) {
        usage('--urn is required');
    }
    if (!['code', 'config', 'create'].includes(o.op)) {
        usage('--op is code, config or create');
    }
    for (const k of ['memory', 'timeout', 'repeat', 'expect']) {
        if (o[k] !== undefined) {
            if (!/^-?\d+$/.test(o[k])) {
                usage('--' + k + ' takes an integer');
            }
            o[k] = Number(o[k]);
        }
    }
    return o;
}

/* The SDK logs through log4js to stdout; keep stdout for our lines. */
function quietSdk(verbose) {
    const log4js = require(path.join(MODULES, 'log4js'));
    log4js.configure({
        appenders: { err: { type: 'stderr' } },
        categories: { default: { appenders: ['err'],
                                 level: verbose ? 'debug' : 'off' } }
    });
}

function codeB64(o) {
    if (o.codeFile !== undefined) {
        return fs.readFileSync(o.codeFile).toString('base64');
    }
    return o.codeB64 !== undefined ? o.codeB64 : DEFAULT_CODE;
}

function nameFromUrn(urn) {
    const parts = (urn || '').split(':');
    return parts.length >= 7 ? parts[6] : 'mock-function';
}

function codeBody(o) {
    const body = new fg.UpdateFunctionCodeRequestBody()
        .withCodeType(o.codeType);
    if (o.codeType === 'obs') {
        body.withCodeUrl(o.codeUrl);
    } else {
        body.withFuncCode(new fg.FuncCode().withFile(codeB64(o)));
    }
    if (o.codeFilename !== undefined) {
        body.withCodeFilename(o.codeFilename);
    }
    if (o.kms !== undefined) {
        body.withCodeEncryptKmsKeyId(o.kms);
    }
    return body;
}

function fillConfig(body, o) {
    if (o.userData !== undefined) {
        body.withUserData(o.userData);
    }
    if (o.vpcId !== undefined || o.subnetId !== undefined) {
        body.withFuncVpc(new fg.FuncVpc(o.vpcId, o.subnetId));
    }
    return body;
}

function configBody(o) {
    const body = new fg.UpdateFunctionConfigRequestBody(
        o.funcName || nameFromUrn(o.urn), o.runtime || 'Python3.10',
        o.timeout === undefined ? 30 : o.timeout,
        o.handler || 'index.handler',
        o.memory === undefined ? 256 : o.memory);
    if (o.kms !== undefined) {
        body.withUserDataEncryptKmsKeyId(o.kms);
    }
    return fillConfig(body, o);
}

function createBody(o) {
    const body = new fg.CreateFunctionRequestBody(
        o.funcName || 'mock-function', o.package || 'default',
        o.runtime || 'Python3.10', o.timeout === undefined ? 30 : o.timeout,
        o.handler || 'index.handler', o.memory === undefined ? 256 : o.memory)
        .withCodeType(o.codeType);
    if (o.codeType === 'obs') {
        body.withCodeUrl(o.codeUrl);
    } else {
        body.withFuncCode(new fg.FuncCode().withFile(codeB64(o)));
    }
    if (o.codeFilename !== undefined) {
        body.withCodeFilename(o.codeFilename);
    }
    if (o.kms !== undefined) {
        body.withCodeEncryptKmsKeyId(o.kms);
    }
    return fillConfig(body, o);
}

/* The SDK's request options for this call, before signing. */
function requestOptions(o) {
    const pc = fg.ParamCreater();
    switch (o.op) {
    case 'code':
        return pc.updateFunctionCode(new fg.UpdateFunctionCodeRequest()
            .withFunctionUrn(o.urn).withBody(codeBody(o)));
    case 'config':
        return pc.updateFunctionConfig(new fg.UpdateFunctionConfigRequest()
            .withFunctionUrn(o.urn).withBody(configBody(o)));
    default:
        return pc.createFunction(new fg.CreateFunctionRequest()
            .withBody(createBody(o)));
    }
}

/*
 * Sends through the client's own HcClient, as the generated methods do
 * (client.updateFunctionCode() is exactly ParamCreater + sendRequest);
 * going one level down lets --unsigned-payload add the header the SDK's
 * signer reads before it signs.
 */
async function call(client, o) {
    const options = requestOptions(o);
    if (o.unsigned) {
        options.headers['X-Sdk-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
    }
    try {
        const r = await client.hcClient.sendRequest(options);
        return { op: o.op, status: r.httpStatusCode, error_code: null,
                 digest: r.digest === undefined ? null : r.digest,
                 func_urn: r.func_urn === undefined ? null : r.func_urn };
    } catch (e) {
        if (e.httpStatusCode === undefined) {
            return { op: o.op, status: null, error_code: null,
                     error_msg: String(e.errorMsg || e.message || e) };
        }
        return { op: o.op, status: e.httpStatusCode,
                 error_code: e.errorCode === undefined ? null : e.errorCode,
                 error_msg: e.errorMsg === undefined ? null : e.errorMsg,
                 request_id: e.requestId === undefined ? null : e.requestId };
    }
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    quietSdk(o.sdkLog);

    const credentials = new core.BasicCredentials()
        .withAk(o.ak).withSk(o.sk).withProjectId(o.project);
    const client = fg.FunctionGraphClient.newBuilder()
        .withCredential(credentials).withEndpoint(o.endpoint).build();

    let rc = 0;
    for (let i = 0; i < o.repeat; i++) {
        const line = await call(client, o);
        process.stdout.write(JSON.stringify(line) + '\n');
        if (line.status === null) {
            rc = 2;
        } else if (o.expect !== undefined && line.status !== o.expect
                   && rc === 0)
        {
            rc = 1;
        }
    }
    process.exitCode = rc;
}

main().catch(e => {
    process.stderr.write('sdk-e2e: ' + (e.stack || e) + '\n');
    process.exitCode = 2;
});

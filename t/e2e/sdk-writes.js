#!/usr/bin/env node
'use strict';
/*
 * Every write method of the official FunctionGraph Node.js SDK's
 * FunctionGraphClient other than a function's code, config and creation
 * (those are t/e2e/sdk-e2e.js), called one after another against the
 * gateway (or straight at the mock), signing with AK/SK, with bodies
 * built from the SDK's own model classes.  The POST reads (invocations,
 * workflow executions, tag queries) are called too, and the ids a call
 * answers (trigger, event, dependency, application, workflow, execution,
 * async request) feed the calls after it.
 *
 *   node t/e2e/sdk-writes.js --endpoint http://127.0.0.1:8080 --ak AK
 *        --sk SK --project P --urn URN [--mock http://127.0.0.1:MOCK]
 *        [--only NAME[,NAME...]] [--sdk-log]
 *
 * URN is an existing function's (its latest version): the calls version
 * it, alias it, add triggers, events, tags, settings to it.  One JSON
 * line per call on stdout:
 *   {"call":"createVersionAlias","kind":"write","http_method":"POST",
 *    "target":"/v2/P/fgs/functions/URN/aliases","status":200,
 *    "error_code":null,"error_msg":null,"signature":true}
 * "signature" is the mock's verdict on the request it received for this
 * call (true, false, or null when it received none), read from
 * --mock's /__mock/requests; without --mock it is absent.
 * Exit status: 0 every call answered 2xx (and, with --mock, reached the
 * mock with a verified signature), 1 otherwise, 2 usage or a crash.
 */

const path = require('path');
const http = require('http');

const MODULES = path.join(__dirname, '..', 'node_modules');
const core = require(path.join(MODULES, '@huaweicloud/huaweicloud-sdk-core'));
const fg = require(path.join(MODULES,
                             '@huaweicloud/huaweicloud-sdk-functiongraph'));

/* A small valid zip (index.py: a handler returning its event), base64. */
const ZIP =
    'UEsDBBQAAAAAAAAAIVi0CHBpLgAAAC4AAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxl'
    + 'cihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4gZXZlbnQKUEsBAhQDFAAAAAAA'
    + 'AAAhWLQIcGkuAAAALgAAAAgAAAAAAAAAAAAAAIABAAAAAGluZGV4LnB5UEsFBgAA'
    + 'AAABAAEANgAAAFQAAAAAAA==';

const FLAGS = { '--endpoint': 'endpoint', '--ak': 'ak', '--sk': 'sk',
                '--project': 'project', '--urn': 'urn', '--mock': 'mock',
                '--only': 'only' };
const SWITCHES = { '--sdk-log': 'sdkLog' };

function usage(msg) {
    process.stderr.write('sdk-writes: ' + msg + '\nusage: sdk-writes.js '
        + '--endpoint URL --ak AK --sk SK --project P --urn URN '
        + '[--mock URL] [--only NAMES] [--sdk-log]\n');
    process.exit(2);
}

function parseArgs(argv) {
    const o = {};
    for (let i = 0; i < argv.length; i++) {
        if (SWITCHES[argv[i]]) {
            o[SWITCHES[argv[i]]] = true;
        } else if (FLAGS[argv[i]] && i + 1 < argv.length) {
            o[FLAGS[argv[i]]] = argv[++i];
        } else {
            usage('bad argument ' + argv[i]);
        }
    }
    for (const k of ['endpoint', 'ak', 'sk', 'project', 'urn']) {
        if (o[k] === undefined) {
            usage('--' + k + ' is required');
        }
    }
    if (!/^urn:fss:[^:]+:[^:]+:function:[^:]+:[^:]+$/.test(o.urn)) {
        usage('--urn names a function without a version');
    }
    o.only = o.only ? new Set(o.only.split(',')) : null;
    return o;
}

function quietSdk(verbose) {
    const log4js = require(path.join(MODULES, 'log4js'));
    log4js.configure({
        appenders: { err: { type: 'stderr' } },
        categories: { default: { appenders: ['err'],
                                 level: verbose ? 'debug' : 'off' } }
    });
}

function getJson(url) {
    return new Promise((resolve, reject) => {
        http.get(url, { agent: false }, res => {
            const chunks = [];
            res.on('data', c => chunks.push(c));
            res.on('end', () => {
                try {
                    resolve(JSON.parse(Buffer.concat(chunks).toString()));
                } catch (e) {
                    reject(e);
                }
            });
        }).on('error', reject);
    });
}

/* The request line the client sends for this method and request. */
function target(name, req, project) {
    const opts = fg.ParamCreater()[name](req);
    let url = opts.url.replace('{project_id}', project);
    for (const [k, v] of Object.entries(opts.pathParams || {})) {
        url = url.replace('{' + k + '}', String(v));
    }
    const q = new URLSearchParams(opts.queryParams || {}).toString();
    return { http_method: opts.method, target: url + (q ? '?' + q : '') };
}

class Runner {
    constructor(client, o) {
        this.client = client;
        this.o = o;
        this.seq = 0;
        this.failed = false;
    }

    async init() {
        if (this.o.mock) {
            const recs = await getJson(this.o.mock + '/__mock/requests');
            this.seq = recs.length ? recs[recs.length - 1].seq : 0;
        }
    }

    /*
     * Calls client[name](req) and prints its line; returns the SDK's
     * response object, or null on an error.  label tells a second call
     * of the same method apart.
     */
    async call(kind, name, req, label) {
        const call = label || name;
        if (this.o.only && !this.o.only.has(name) && !this.o.only.has(call)) {
            return null;
        }
        const line = Object.assign({ call, method: name, kind },
                                   target(name, req, this.o.project));
        let r = null;
        try {
            r = await this.client[name](req);
            Object.assign(line, { status: r.httpStatusCode,
                                  error_code: null, error_msg: null });
        } catch (e) {
            Object.assign(line, {
                status: e.httpStatusCode === undefined ? null
                                                       : e.httpStatusCode,
                error_code: e.errorCode === undefined ? null : e.errorCode,
                error_msg: e.errorMsg !== undefined ? e.errorMsg
                           : String(e.message || e)
            });
        }
        if (this.o.mock) {
            const recs = await getJson(this.o.mock
                                       + '/__mock/requests?since=' + this.seq);
            if (recs.length) {
                this.seq = recs[recs.length - 1].seq;
            }
            const rec = recs.find(x => x.method === line.http_method
                                  && x.target === line.target);
            line.signature = rec ? rec.signature : null;
            line.mock_requests = recs.length;
            if (line.signature !== true) {
                this.failed = true;
            }
        }
        if (!(line.status >= 200 && line.status < 300)) {
            this.failed = true;
        }
        process.stdout.write(JSON.stringify(line) + '\n');
        return line.error_code === null && line.status !== null ? r : null;
    }
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    quietSdk(o.sdkLog);

    const credentials = new core.BasicCredentials()
        .withAk(o.ak).withSk(o.sk).withProjectId(o.project);
    const client = fg.FunctionGraphClient.newBuilder()
        .withCredential(credentials).withEndpoint(o.endpoint).build();
    const run = new Runner(client, o);
    await run.init();
    const W = (name, req, label) => run.call('write', name, req, label);
    const R = (name, req, label) => run.call('read', name, req, label);

    const urn = o.urn;
    const latest = urn + ':latest';
    const fname = urn.split(':')[6];
    const pkg = urn.split(':')[5];
    const base = urn.split(':').slice(0, 5).join(':');

    /* --- import and delete a function --- */

    const imported = await W('importFunction', new fg.ImportFunctionRequest()
        .withBody(new fg.ImportFunctionRequestBody(fname + '-imported',
                                                   'imported.zip', 'zip', ZIP)
            .withPackage(pkg)));

    /* --- versions and aliases --- */

    const cfg = await client.showFunctionConfig(
        new fg.ShowFunctionConfigRequest().withFunctionUrn(latest))
        .catch(() => ({}));
    await W('createFunctionVersion', new fg.CreateFunctionVersionRequest()
        .withFunctionUrn(latest)
        .withBody(new fg.CreateFunctionVersionRequestBody()
            .withDigest(cfg.digest).withVersion('v1')
            .withDescription('published by the SDK end-to-end test')));
    await W('createVersionAlias', new fg.CreateVersionAliasRequest()
        .withFunctionUrn(latest)
        .withBody(new fg.CreateVersionAliasRequestBody('prod', 'v1')
            .withDescription('production traffic')));
    await W('updateVersionAlias', new fg.UpdateVersionAliasRequest()
        .withFunctionUrn(latest).withAliasName('prod')
        .withBody(new fg.UpdateVersionAliasRequestBody('v1')
            .withDescription('canary on latest')
            .withAdditionalVersionWeights({ latest: 10 })));
    await W('deleteVersionAlias', new fg.DeleteVersionAliasRequest()
        .withFunctionUrn(latest).withAliasName('prod'));

    /* --- triggers --- */

    const timer = name => new fg.CreateFunctionTriggerRequestBody('TIMER',
        new fg.TriggerEventDataRequestBody().withName(name)
            .withScheduleType('Rate').withSchedule('3m')
            .withUserEvent('{"from":"timer"}'))
        .withTriggerStatus('ACTIVE');
    const t1 = await W('createFunctionTrigger',
                       new fg.CreateFunctionTriggerRequest()
                           .withFunctionUrn(latest).withBody(timer('timer-1')));
    const t1id = t1 ? t1.trigger_id : 'no-trigger';
    await W('updateTrigger', new fg.UpdateTriggerRequest()
        .withFunctionUrn(latest).withTriggerTypeCode('TIMER')
        .withTriggerId(t1id)
        .withBody(new fg.UpdateTriggerRequestBody()
            .withTriggerStatus('DISABLED')));
    await W('deleteFunctionTrigger', new fg.DeleteFunctionTriggerRequest()
        .withFunctionUrn(latest).withTriggerTypeCode('TIMER')
        .withTriggerId(t1id));
    await W('createFunctionTrigger', new fg.CreateFunctionTriggerRequest()
        .withFunctionUrn(latest).withBody(timer('timer-2')),
            'createFunctionTrigger#2');
    await W('batchDeleteFunctionTriggers',
            new fg.BatchDeleteFunctionTriggersRequest()
                .withFunctionUrn(latest));

    /* --- per-function settings --- */

    await W('updateFunctionAsyncInvokeConfig',
            new fg.UpdateFunctionAsyncInvokeConfigRequest()
                .withFunctionUrn(latest)
                .withBody(new fg.UpdateFunctionAsyncInvokeConfigRequestBody()
                    .withMaxAsyncEventAgeInSeconds(3600)
                    .withMaxAsyncRetryAttempts(2)
                    .withDestinationConfig(new fg.FuncAsyncDestinationConfig()
                        .withOnSuccess(new fg.FuncDestinationConfig()
                            .withDestination('OBS')
                            .withParam('{"bucket":"fgs-results",'
                                       + '"prefix":"ok/","expires":0}'))
                        .withOnFailure(new fg.FuncDestinationConfig()
                            .withDestination('SMN')
                            .withParam('{"topic_urn":"urn:smn:cn-north-4:'
                                       + o.project + ':fgs-failures"}')))
                    .withEnableAsyncStatusLog(false)));
    await W('deleteFunctionAsyncInvokeConfig',
            new fg.DeleteFunctionAsyncInvokeConfigRequest()
                .withFunctionUrn(latest));
    await W('updateFunctionMaxInstanceConfig',
            new fg.UpdateFunctionMaxInstanceConfigRequest()
                .withFunctionUrn(latest)
                .withBody(new fg.UpdateFunctionMaxInstanceConfigRequestBody()
                    .withMaxInstanceNum(50)));
    await W('updateFunctionReservedInstancesCount',
            new fg.UpdateFunctionReservedInstancesCountRequest()
                .withFunctionUrn(latest)
                .withBody(new fg.UpdateFunctionReservedInstancesCountRequestBody(
                    1).withIdleMode(false)));
    await W('updateTracing', new fg.UpdateTracingRequest()
        .withFunctionUrn(latest)
        .withBody(new fg.UpdateTracingRequestBody()
            .withTracingAk('APMTESTAK0123456789')
            .withTracingSk('apmTestSecretKey0123456789')));
    await W('updateFuncSnapshot', new fg.UpdateFuncSnapshotRequest()
        .withFunctionUrn(latest).withAction('enable'));
    await W('updateFunctionCollectState',
            new fg.UpdateFunctionCollectStateRequest()
                .withFuncUrn(latest).withState('true'));

    /* --- test events --- */

    const ev = await W('createEvent', new fg.CreateEventRequest()
        .withFunctionUrn(latest)
        .withBody(new fg.CreateEventRequestBody('event-1',
            Buffer.from('{"k":"v"}').toString('base64'))));
    const evId = ev ? ev.id : 'no-event';
    await W('updateEvent', new fg.UpdateEventRequest()
        .withFunctionUrn(latest).withEventId(evId)
        .withBody(new fg.UpdateEventRequestBody(
            Buffer.from('{"k":"w"}').toString('base64'))));
    await W('deleteEvent', new fg.DeleteEventRequest()
        .withFunctionUrn(latest).withEventId(evId));

    /* --- tags --- */

    await W('createTags', new fg.CreateTagsRequest()
        .withResourceType('functions').withResourceId(urn)
        .withBody(new fg.UpdateFunctionTagsRequestBody().withAction('create')
            .withTags([new fg.KvItem().withKey('team').withValue('payments'),
                       new fg.KvItem().withKey('env').withValue('dev')])));
    await R('showResInstanceInfo', new fg.ShowResInstanceInfoRequest()
        .withResourceType('functions').withAction('filter')
        .withBody(new fg.ListEnterpriseResourceRequestBody()
            .withAction('filter').withLimit('10').withOffset('0')
            .withMatches([new fg.KvItem().withKey('resource_name')
                .withValue(fname)])));
    await W('deleteTags', new fg.DeleteTagsRequest()
        .withResourceType('functions').withResourceId(urn)
        .withBody(new fg.UpdateFunctionTagsRequestBody().withAction('delete')
            .withTags([new fg.KvItem().withKey('env').withValue('dev')])));

    /* --- dependencies --- */

    const dep = await W('createDependencyVersion',
                        new fg.CreateDependencyVersionRequest()
                            .withBody(new fg.CreateDependencyRequestBody(
                                'zip', 'Python3.10', 'sdk-dep')
                                .withDependFile(ZIP)
                                .withDescription('a dependency')));
    await W('deleteDependencyVersion', new fg.DeleteDependencyVersionRequest()
        .withDependId(dep ? dep.dep_id : 'no-dep')
        .withVersion(dep ? String(dep.version) : '1'));

    /* --- applications --- */

    const app = await W('createFunctionApp', new fg.CreateFunctionAppRequest()
        .withBody(new fg.CreateFunctionAppRequestBody().withName('sdk-app')
            .withTemplateId('a1b2c3d4-0000-4000-8000-000000000001')
            .withDescription('an application from a template')
            .withAgencyName('fgs_admin').withParams({ region: 'cn-north-4' })));
    await W('deleteFunctionApp', new fg.DeleteFunctionAppRequest()
        .withId(app ? app.application_id : 'no-app'));

    /* --- workflows --- */

    const flow = description => new fg.WorkflowCreateBody('sdk-flow', 'step-1',
        [new fg.Function('fn', latest)],
        [new fg.OperationState([new fg.Action().withFunctionRef(
            new fg.FunctionRef('fn', { n: 1 }))], 'step-1', 'first step',
                               'Operation', true)], {}, [])
        .withDescription(description).withMode('NORMAL');
    const wf = await W('createWorkflow', new fg.CreateWorkflowRequest()
        .withBody(flow('a one-step flow')));
    const wfId = wf ? wf.id : 'no-workflow';
    await W('updateWorkFlow', new fg.UpdateWorkFlowRequest()
        .withWorkflowId(wfId).withBody(flow('a one-step flow, described')));
    const ex = await R('startWorkflowExecution',
                       new fg.StartWorkflowExecutionRequest()
                           .withWorkflowId(wfId)
                           .withBody(new fg.FlowExecuteBody({ n: 1 })));
    const exId = ex ? ex.execution_id : 'no-execution';
    await W('createCallbackWorkflow', new fg.CreateCallbackWorkflowRequest()
        .withWorkflowId(wfId).withXWorkflowRunId(exId)
        .withXWorkflowStateId('step-1')
        .withBody(new fg.CallbackWorkflowRequestBody('success', { n: 2 })));
    await W('retryWorkFlow', new fg.RetryWorkFlowRequest()
        .withWorkflowId(wfId).withExecutionId(exId));
    await W('stopWorkFlow', new fg.StopWorkFlowRequest()
        .withWorkflowId(wfId).withExecutionId(exId));
    await R('startSyncWorkflowExecution',
            new fg.StartSyncWorkflowExecutionRequest().withWorkflowId(wfId)
                .withBody(new fg.FlowExecuteBody({ n: 3 })));
    await W('batchDeleteWorkflows', new fg.BatchDeleteWorkflowsRequest()
        .withBody(new fg.WorkflowDeleteBody([wf ? wf.workflow_urn
                                             : 'no-workflow'])));

    /* --- VPC endpoints, logs --- */

    await W('createVpcEndpoint', new fg.CreateVpcEndpointRequest()
        .withBody(new fg.CreateVpcEndpointRequestBody('vpc-0a1b2c',
                                                      'subnet-7d8e9f')
            .withFlavor('default').withXrole('fgs_vpc_agency')));
    await W('deleteVpcEndpoint', new fg.DeleteVpcEndpointRequest()
        .withVpcId('vpc-0a1b2c').withSubnetId('subnet-7d8e9f'));
    await W('enableLtsLogs', new fg.EnableLtsLogsRequest());
    await W('enableAsyncStatusLog', new fg.EnableAsyncStatusLogRequest());

    /* --- invocations and cancelling one --- */

    await R('invokeFunction', new fg.InvokeFunctionRequest()
        .withFunctionUrn(latest).withBody({ k: 'v' }));
    const inv = await R('asyncInvokeFunction', new fg.AsyncInvokeFunctionRequest()
        .withFunctionUrn(latest).withBody({ k: 'async' }));
    await W('cancelAsyncInvocation', new fg.CancelAsyncInvocationRequest()
        .withFunctionUrn(latest)
        .withBody(new fg.CancelAsyncInvocationRequestBody(
            inv && inv.request_id ? inv.request_id : 'no-request')
            .withType('force')));

    await W('deleteFunction', new fg.DeleteFunctionRequest()
        .withFunctionUrn(imported && imported.func_urn ? imported.func_urn
                         : base + ':' + pkg + ':' + fname
                           + '-imported:latest'));

    process.exitCode = run.failed ? 1 : 0;
}

main().catch(e => {
    process.stderr.write('sdk-writes: ' + (e.stack || e) + '\n');
    process.exitCode = 2;
});

# Every write method of the official FunctionGraph Node.js SDK beyond a
# function's code, config and creation (t/e2e/sdk-writes.js: versions,
# aliases, triggers, async-invoke config, max and reserved instances,
# tracing, snapshots, collect, test events, tags, dependency versions,
# applications, workflows and their executions, VPC endpoints, LTS and
# async-status logs, cancelling an async invocation, import and delete),
# with the POST reads between them, signing with AK/SK, through the
# gateway under a policy that allows every write (no rules, other_writes
# allow): each call succeeds, reaches the mock exactly once as the
# operation it is, with the signature verified (so with the bytes the SDK
# signed), and leaves the state it should in the mock.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my ($AK, $SK) = ('E2EWRITESAK0123456789',
                 'e2eWritesSecretKey0123456789abcdefghijkl');
my $ROOT = $FgsTest::ROOT;

my $t = FgsTest->new(mock_args => ['--ak', $AK, '--sk', $SK],
                     vars => { POLICY => data_path('policy-allow-all.json') },
                     server => <<'CONF');
    fgs_policy %%POLICY%%;
    location / {
        %%PROXY%%
    }
CONF
$t->start;

my $P = PROJECT;
my $fn = urn('sdk-writes');
$t->seed_functions($fn);
$t->mock_clear;

# call => [ kind, operation the mock records ], in the order made
my @calls = (
    [ importFunction                       => write => 'import' ],
    [ createFunctionVersion                => write => 'version' ],
    [ createVersionAlias                   => write => 'alias' ],
    [ updateVersionAlias                   => write => 'alias' ],
    [ deleteVersionAlias                   => write => 'alias' ],
    [ createFunctionTrigger                => write => 'trigger' ],
    [ updateTrigger                        => write => 'trigger' ],
    [ deleteFunctionTrigger                => write => 'trigger' ],
    [ 'createFunctionTrigger#2'            => write => 'trigger' ],
    [ batchDeleteFunctionTriggers          => write => 'trigger' ],
    [ updateFunctionAsyncInvokeConfig      => write => 'async_config' ],
    [ deleteFunctionAsyncInvokeConfig      => write => 'async_config' ],
    [ updateFunctionMaxInstanceConfig      => write => 'max_instances' ],
    [ updateFunctionReservedInstancesCount => write => 'reserved_instances' ],
    [ updateTracing                        => write => 'tracing' ],
    [ updateFuncSnapshot                   => write => 'snapshot' ],
    [ updateFunctionCollectState           => write => 'collect' ],
    [ createEvent                          => write => 'event' ],
    [ updateEvent                          => write => 'event' ],
    [ deleteEvent                          => write => 'event' ],
    [ createTags                           => write => 'tags' ],
    [ showResInstanceInfo                  => read  => 'read' ],
    [ deleteTags                           => write => 'tags' ],
    [ createDependencyVersion              => write => 'dependency' ],
    [ deleteDependencyVersion              => write => 'dependency' ],
    [ createFunctionApp                    => write => 'application' ],
    [ deleteFunctionApp                    => write => 'application' ],
    [ createWorkflow                       => write => 'workflow' ],
    [ updateWorkFlow                       => write => 'workflow' ],
    [ startWorkflowExecution               => read  => 'execute' ],
    [ createCallbackWorkflow               => write => 'workflow_execution' ],
    [ retryWorkFlow                        => write => 'workflow_execution' ],
    [ stopWorkFlow                         => write => 'workflow_execution' ],
    [ startSyncWorkflowExecution           => read  => 'execute' ],
    [ batchDeleteWorkflows                 => write => 'workflow' ],
    [ createVpcEndpoint                    => write => 'vpc_endpoint' ],
    [ deleteVpcEndpoint                    => write => 'vpc_endpoint' ],
    [ enableLtsLogs                        => write => 'lts_log' ],
    [ enableAsyncStatusLog                 => write => 'async_status_log' ],
    [ invokeFunction                       => read  => 'invoke' ],
    [ asyncInvokeFunction                  => read  => 'invoke' ],
    [ cancelAsyncInvocation                => write => 'cancel' ],
    [ deleteFunction                       => write => 'delete' ],
);

my $out = $t->prefix . '/logs/sdk-writes.out';
my $rc = FgsTest::run_cmd(
    [ 'node', "$ROOT/t/e2e/sdk-writes.js",
      '--endpoint' => 'http://127.0.0.1:' . $t->port,
      '--mock' => 'http://127.0.0.1:' . $t->mock_port,
      '--ak' => $AK, '--sk' => $SK, '--project' => $P, '--urn' => $fn ],
    $out, 240, { HOME => $t->prefix . '/data' });
my $said = FgsTest::slurp($out);
my @lines = map { my $l = $_; eval { json_decode($l) } // { raw => $l } }
            grep { /^\{/ } split /\n/, $said;
my %line = map { (($_->{call} // '') => $_) } @lines;

is($rc, 0, 'sdk-writes.js: every call succeeded and was verified')
    or diag($said);
is_deeply([ map { $_->{call} // $_->{raw} } @lines ],
          [ map { $_->[0] } @calls ], 'the SDK made every call, in order');

# What the gateway refused, for whoever reads the log of a failed run.
for my $l (grep { ($_->{status} // 0) !~ /^2/ } @lines) {
    diag("refused: $l->{call}: " . ($l->{status} // 'no answer') . ' '
         . ($l->{error_code} // '') . ' ' . ($l->{error_msg} // ''));
}

my $recs = $t->mock_requests;
my $next = 0;           # calls are matched to records in order

for my $c (@calls) {
    my ($call, $kind, $op) = @$c;
    my $l = $line{$call} // {};
    subtest "$call ($kind)" => sub {
        like($l->{status} // '', qr/^2\d\d$/, 'the SDK saw a 2xx')
            or diag(explain $l);
        is($l->{error_code}, undef, 'and no error_code');
        my $same = sub { $_[0]{method} eq ($l->{http_method} // '')
                         && $_[0]{target} eq ($l->{target} // '') };
        my ($i) = grep { $same->($recs->[$_]) } $next .. $#$recs;
        ok(defined $i, 'the mock received it')
            or return diag(($l->{http_method} // '') . ' '
                           . ($l->{target} // ''));
        $next = $i + 1;
        my $rec = $recs->[$i];
        ok(!grep({ $same->($_) } @$recs[$next .. $#$recs])
           || grep({ $_->[0] =~ /^\Q$call\E#/ } @calls),
           'once');
        is($rec->{raw}{operation}, $op, "the mock served it as $op");
        ok(JSON::PP::is_bool($rec->{signature}) && $rec->{signature},
           'the mock verified the AK/SK signature')
            or diag(explain $rec->{raw}{auth});
        ok(JSON::PP::is_bool($l->{signature}) && $l->{signature},
           'sdk-writes.js read the same verdict');
        is($rec->{raw}{status}, $l->{status},
           'the SDK saw the mock\'s status');
        is($rec->{headers}{'content-length'} // 0, length $rec->{body},
           'Content-Length of the body forwarded');
    };
}

is(scalar(grep { !(JSON::PP::is_bool($_->{signature}) && $_->{signature}) }
          @$recs), 0, 'every request the mock received was verified');


# --- what the calls left behind in the mock

my $state = json_decode($t->mock_call('GET', '/__mock/state')->body);
my $base = $fn;
my $latest = "$fn:latest";

my %fns = map { ($_->{func_urn} => $_) } @{ $t->mock_functions };
ok($fns{"$fn:v1"}, 'createFunctionVersion published v1');
is($fns{"$fn:v1"} && $fns{"$fn:v1"}{version_description},
   'published by the SDK end-to-end test', 'with its description');
ok(!$fns{urn('sdk-writes-imported', version => 'latest')},
   'deleteFunction removed the imported function');
my $f = $fns{$fn} // $fns{$latest};
is($f && $f->{strategy_config}{concurrency}, 50,
   'updateFunctionMaxInstanceConfig set the instance limit');
is_deeply($state->{aliases}{$base}, {}, 'deleteVersionAlias removed it');
is_deeply($state->{triggers}{$latest} // {}, {},
          'no trigger left after batchDeleteFunctionTriggers');
ok(!exists $state->{async_configs}{$latest},
   'deleteFunctionAsyncInvokeConfig removed it');
is_deeply($state->{reserved}{$latest}, { count => 1, idle_mode => JSON::PP::false },
          'updateFunctionReservedInstancesCount kept count and idle_mode');
is($state->{tracing}{$latest}{tracing_ak}, 'APMTESTAK0123456789',
   'updateTracing kept the AK');
is($state->{snapshots}{$latest}, 'enable', 'updateFuncSnapshot enabled it');
is($state->{collected}{$latest}, 'true', 'updateFunctionCollectState');
is_deeply($state->{events}{$base}, {}, 'deleteEvent removed the event');
is_deeply($state->{tags}{"functions/$fn"}, { team => 'payments' },
          'createTags added two tags, deleteTags removed one');
is(scalar(grep { %$_ } values %{ $state->{dependencies} }), 0,
   'deleteDependencyVersion removed the version');
is_deeply($state->{applications}, {}, 'deleteFunctionApp removed it');
is_deeply($state->{workflows}, {}, 'batchDeleteWorkflows removed it');
my @ex = sort { $a->{status} cmp $b->{status} }
         values %{ $state->{executions} };
is_deeply([ map { [ $_->{status}, $_->{retried} // 0,
                    $_->{state_id} // '' ] } @ex ],
          [ [ 'success', 0, '' ], [ 'terminated', 1, 'step-1' ] ],
          'the callback, retry and terminate reached the execution');
is_deeply($state->{vpc_endpoints}, {}, 'deleteVpcEndpoint removed it');
ok($state->{lts_logs} && $state->{async_status_logs},
   'enableLtsLogs and enableAsyncStatusLog');
is(scalar @{ $state->{cancelled} }, 1, 'cancelAsyncInvocation');
is($state->{cancelled}[0] && $state->{cancelled}[0]{type}, 'force',
   'with the type the SDK sent');

$t->finish;
done_testing;

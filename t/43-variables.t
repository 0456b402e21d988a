# The $fgs_policy_* variables (docs/directives.md, "Variables") in a
# log_format with escape=json, in add_header and in proxy_set_header:
# every kind of governed request, and empty values for requests that are
# not governed.  $fgs_policy_rules lists the rules that acted on the
# request: violated (enforced, then audited) or rewriting, each once, in
# the policy's order; a rule that an exception waived did not act.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $http = <<'CONF';
    log_format fgsjson escape=json
        '{"op":"$fgs_policy_operation","decision":"$fgs_policy_decision",'
        '"rules":"$fgs_policy_rules","project":"$fgs_policy_project_id",'
        '"urn":"$fgs_policy_function_urn","status":"$status",'
        '"request":"$request"}';
CONF

my $server = <<'CONF';
    fgs_policy %%DATA%%/policy.json;
    access_log %%PREFIX%%/logs/fgs.json fgsjson;
    add_header X-Fgs-Op $fgs_policy_operation always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    add_header X-Fgs-Project $fgs_policy_project_id always;
    add_header X-Fgs-Urn $fgs_policy_function_urn always;
    location / {
        %%PROXY%%
        proxy_set_header X-Fgs-Decision $fgs_policy_decision;
        proxy_set_header X-Fgs-Rules $fgs_policy_rules;
    }
CONF

my $t = FgsTest->new(server => $server, http => $http);
$t->start;

my $P = PROJECT;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(map { urn($_) } qw(dev-reports prod-orders legacy-billing));

sub config_body {
    my ($name, %o) = @_;
    return config_json($name, code_encrypt_kms_key_id => $KMS, %o);
}

my $dev = urn('dev-reports');
my $prod = urn('prod-orders');
my $legacy = urn('legacy-billing');

# [ name, sub giving the response, status,
#   { op, decision, rules, project, urn } (undef: all empty),
#   what the upstream's X-Fgs-Decision and X-Fgs-Rules were (or undef) ]
my @cases = (
    [ 'allowed', sub {
        $t->json_put(config_path('dev-reports'), config_body('dev-reports'))
      }, 200,
      { op => 'config', decision => 'allow', rules => '', project => $P,
        urn => $dev }, [ 'allow', undef ] ],

    [ 'rewritten', sub {
        $t->json_put(config_path('dev-reports'), config_body('dev-reports',
                     code_encrypt_kms_key_id => undef))
      }, 200,
      { op => 'config', decision => 'rewrite', rules => 'kms-default',
        project => $P, urn => $dev }, [ 'rewrite', 'kms-default' ] ],

    [ 'denied', sub {
        $t->json_put(config_path('prod-orders'), config_body('prod-orders',
                     runtime => 'Python2.7', memory_size => 4096))
      }, 403,
      { op => 'config', decision => 'deny',
        rules => 'runtime-allowlist,memory-limit,vpc-required',
        project => $P, urn => $prod }, undef ],

    [ 'audited', sub {
        $t->json_put(config_path('dev-reports'), config_body('dev-reports',
                     user_data => 'password=hunter2'))
      }, 200,
      { op => 'config', decision => 'audit', rules => 'no-plaintext-secrets',
        project => $P, urn => $dev }, [ 'audit', 'no-plaintext-secrets' ] ],

    [ 'denied and audited', sub {
        $t->json_put(config_path('prod-orders'), config_body('prod-orders',
                     runtime => 'Python2.7', user_data => 'secret=1'))
      }, 403,
      { op => 'config', decision => 'deny',
        rules => 'runtime-allowlist,vpc-required,no-plaintext-secrets',
        project => $P, urn => $prod }, undef ],

    [ 'waived', sub {
        $t->json_put(config_path('legacy-billing'),
                     config_body('legacy-billing', runtime => 'Python2.7'))
      }, 200,
      { op => 'config', decision => 'allow', rules => '', project => $P,
        urn => $legacy }, [ 'allow', undef ] ],

    [ 'created', sub {
        $t->json_post(create_path(), canonical_json({
            func_name => 'new-fn', package => 'default',
            runtime => 'Python3.12', handler => 'index.handler',
            memory_size => 256, timeout => 30, code_type => 'inline',
            func_code => { file => encode_base64('print(1)', '') } }))
      }, undef,
      { op => 'create', decision => 'rewrite', rules => 'kms-default',
        project => $P, urn => '' }, [ 'rewrite', 'kms-default' ] ],

    [ 'body not JSON', sub {
        $t->json_put(config_path('dev-reports'), '{"runtime":')
      }, 400,
      { op => 'config', decision => 'error', rules => '', project => $P,
        urn => $dev }, undef ],

    [ 'target not canonical', sub {
        $t->json_put("/v2/$P/fgs//functions/$dev/config",
                     config_body('dev-reports'))
      }, 400,
      { op => '', decision => 'error', rules => '', project => '',
        urn => '' }, undef ],

    [ 'other write', sub {
        $t->request(method => 'DELETE', target => function_path($dev)
                                                  . '/tags')
      }, undef,
      { op => 'other', decision => 'audit', rules => '', project => $P,
        urn => $dev }, [ 'audit', undef ] ],

    [ 'read', sub {
        $t->request(method => 'GET', target => config_path('dev-reports'))
      }, 200, undef, [ undef, undef ] ],

    [ 'invocation', sub {
        $t->request(method => 'POST', target => function_path($dev)
                    . '/invocations', body => '{"k":"v"}',
                    headers => ['Content-Type' => 'application/json'])
      }, undef, undef, [ undef, undef ] ],

    [ 'quotes in the query', sub {
        $t->json_put(config_path('dev-reports') . '?a="b"\\c',
                     config_body('dev-reports'))
      }, 200,
      { op => 'config', decision => 'allow', rules => '', project => $P,
        urn => $dev }, [ 'allow', undef ] ],
);

my $log = $t->prefix . '/logs/fgs.json';
my %hdr = (op => 'x-fgs-op', decision => 'x-fgs-decision',
           rules => 'x-fgs-rules', project => 'x-fgs-project',
           urn => 'x-fgs-urn');
my %var = (op => '$fgs_policy_operation', decision => '$fgs_policy_decision',
           rules => '$fgs_policy_rules', project => '$fgs_policy_project_id',
           urn => '$fgs_policy_function_urn');

for my $c (@cases) {
    my ($name, $run, $status, $want, $up) = @$c;

    my $mark = -s $log // 0;
    my $r = $run->();

    subtest $name => sub {
        if (defined $status) {
            $t->is_status($r, $status, "status $status");
        } else {
            ok($r->complete, 'answered') or diag($r->summary);
        }

        # add_header with an empty value adds nothing
        for my $k (sort keys %hdr) {
            my $v = $want ? $want->{$k} : '';
            is($r->header($hdr{$k}), length $v ? $v : undef,
               "add_header: $var{$k}");
        }

        # the access log line: valid JSON, empty strings for empty values
        my $line = '';
        for (1 .. 100) {
            my $s = -f $log ? FgsTest::slurp($log) : '';
            $line = substr($s, $mark);
            last if $line =~ /\n/;
            sleep 0.05;
        }
        my @lines = split /\n/, $line;
        is(scalar @lines, 1, 'one access log line');
        my $j = eval { json_decode($lines[0] // '') };
        ok(ref $j eq 'HASH', 'the line is JSON') or diag($lines[0]);
        return unless ref $j eq 'HASH';
        for my $k (sort keys %hdr) {
            is($j->{$k}, $want ? $want->{$k} : '',
               "access_log escape=json: $var{$k}");
        }
        is($j->{status}, $r->status, 'the status logged');
        like($j->{request}, qr/\?a="b"\\c /, 'the request line unescaped')
            if $name eq 'quotes in the query';

        # what the upstream was told
        if ($up) {
            my $recs = $t->mock_requests;
            is(scalar @$recs, 1, 'forwarded');
            my $h = @$recs ? $recs->[-1]{headers} : {};
            is($h->{'x-fgs-decision'}, $up->[0],
               'proxy_set_header: $fgs_policy_decision');
            is($h->{'x-fgs-rules'}, $up->[1],
               'proxy_set_header: $fgs_policy_rules');
        } else {
            $t->upstream_got_nothing('nothing forwarded');
        }
    };
}

$t->finish;
done_testing;

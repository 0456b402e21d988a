# Every write that changes a function is governed: each write endpoint of
# `fgs-policy endpoints` (its rows read at run time, the `read:` rows left
# out, so that this file grows with the table) goes through nginx
#
#   - denied by a rule: under the frozen project of
#     t/data/policy-write-surface.json, whose one rule denies every
#     operation there, a conforming body gets 403 FGSPOL.4030 naming the
#     rule and the mock receives nothing;
#   - allowed: under another project the same request is forwarded byte for
#     byte (method, target, body), the answer is the mock's and carries the
#     operation ($fgs_policy_operation), and the audit record has the
#     endpoint's operation and the decision;
#   - with bodies that break the endpoint's model (a missing required
#     field, a wrong type, an unknown field: 400 FGSPOL.4001; a look-alike
#     key: FGSPOL.4000; any body for an endpoint that takes none): refused,
#     nothing forwarded;
#
# and fgs-policy eval decides each of those requests as nginx did.  The
# bodies are t/data/write-surface-bodies.json, keyed by the table's
# "METHOD /path/template"; an endpoint of the table without an entry fails.
# Then the three requests of the issue under the shipped conf/policy.json
# (an import into prod-, an APIG trigger with auth NONE, a tag key outside
# the standard), refused and never forwarded, and an allowed tag and IAM
# APIG trigger forwarded; and the README's "The write surface" holds the
# very table `fgs-policy endpoints` prints.

use strict;
use warnings;

use Test::More;
use File::Path ();


use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $ROOT = $FgsTest::ROOT;
my $CLI = $FgsTest::CLI;

use constant DENY_PROJECT => 'de11ed00de11ed00de11ed00de11ed00';
use constant ALLOW_PROJECT => PROJECT;

my $SURFACE_POLICY = data_path('policy-write-surface.json');
my $data = json_decode(read_data('write-surface-bodies.json'));
my $tmp = "$ROOT/t/tmp/55-write-surface.$$";
File::Path::make_path($tmp);
my $ncli = 0;


# --- the table, as the engine prints it

sub cli {
    my (@args) = @_;

    my $out = "$tmp/cli-" . ++$ncli . '.out';
    my $rc = FgsTest::run_cmd([$CLI, @args], $out, 30);
    return ($rc, FgsTest::slurp($out));
}

my ($trc, $table_text) = cli('endpoints');
is($trc, 0, 'fgs-policy endpoints exits 0') or diag($table_text);

my @table_lines = grep { /^\|/ } split /\n/, $table_text;
my (@rows, @writes);
for my $l (@table_lines[2 .. $#table_lines]) {
    my ($m, $path, $op) = $l =~ /^\| (POST|PUT|DELETE) \| `([^`]+)` \| (.+) \|$/
        or do { fail("a row of the table: $l"); next };
    my $row = { method => $m, path => $path, key => "$m $path" };
    if ($op =~ /^read: /) {
        $row->{read} = 1;
    } else {
        ($row->{op}) = $op =~ /^`([a-z_]+)`$/ or fail("an operation: $l");
    }
    push @rows, $row;
    push @writes, $row unless $row->{read};
}

# the table is read, not guessed: no fewer endpoints than the API has
cmp_ok(scalar @writes, '>=', 40, scalar(@writes) . ' write endpoints');
my %ops = map { ($_->{op} => 1) } @writes;
cmp_ok(scalar keys %ops, '>=', 24, scalar(keys %ops) . ' operations');



# --- the data file and the policy cover the whole table

my $bodies = $data->{endpoints};
for my $w (@writes) {
    ok(ref $bodies->{ $w->{key} } eq 'HASH',
       "write-surface-bodies.json has an entry for $w->{key}");
}
my %in_table = map { ($_->{key} => 1) } @writes;
for my $k (sort keys %$bodies) {
    ok($in_table{$k}, "its entry $k is a write endpoint of the table");
}

my $policy = json_decode(read_data('policy-write-surface.json'));
my ($deny_rule) = grep { $_->{id} eq 'deny-surface' } @{ $policy->{rules} };
ok($deny_rule && $deny_rule->{deny}, 'the test policy has the deny rule');
is_deeply([ sort @{ $deny_rule->{operations} // [] } ], [ sort keys %ops ],
          'deny-surface names every operation of the table, and only those');
is_deeply($deny_rule->{match}{project_id}, [ DENY_PROJECT ],
          'scoped to the frozen project');
is($policy->{other_writes}, 'deny', 'other writes denied');


# --- requests

sub fn_urn {
    my ($project) = @_;
    return urn('fn-surface', project => $project);
}

# the target of an endpoint under a project, every {name} filled in
sub target_of {
    my ($w, $project) = @_;

    my %v = (%{ $data->{params} },
             project_id  => $project,
             function_urn => fn_urn($project),
             func_urn    => fn_urn($project),
             resource_id => fn_urn($project));
    my $t = $w->{path};
    $t =~ s/\{([a-z_]+)\}/defined $v{$1} ? $v{$1}
                          : die "no value for {$1} of $w->{key}\n"/ge;
    return $t;
}

# the exact bytes of a body of the data file, or undef for none
sub bytes_of {
    my ($body, $project) = @_;

    return undef unless defined $body;
    my $s = ref $body ? canonical_json($body) : $body;
    $s =~ s/\{project_id\}/$project/g;
    return $s;
}

sub send_req {
    my ($t, $method, $target, $bytes) = @_;

    my %o = (method => $method, target => $target,
             headers => [ 'Content-Type' => 'application/json',
                          'X-Auth-Token' => 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglg' ]);
    $o{body} = $bytes if defined $bytes;
    return $t->request(%o);
}

# the request record of nginx's request id, waited for (bounded)
sub audit_record {
    my ($t, $id) = @_;

    my $file = $t->prefix . '/logs/audit.log';
    for (1 .. 100) {
        my ($rec) = grep { ($_->{request_id} // '') eq $id }
                    $t->audit_records('request', $file);
        return $rec if $rec;
        select undef, undef, undef, 0.05;
    }
    return undef;
}

sub is_audited {
    my ($t, $r, $op, $decision, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $id = $r->header('x-fgs-request-id') // '';
    my $rec = audit_record($t, $id);
    ok($rec, "$name: an audit record") or return;
    is($rec->{operation}, $op, "$name: its operation is $op");
    is($rec->{decision}, $decision, "$name: its decision is $decision");
    is($rec->{forwarded}, ($decision eq 'deny' || $decision eq 'error')
                          ? JSON::PP::false : JSON::PP::true,
       "$name: forwarded is " . (($decision =~ /^(deny|error)$/) ? 'false' : 'true'));
}

# The record's "changes": the body's fields under their API names, each
# one of the body's, and no secret of the models (the code, an import's
# package, a tracing secret key, a test event's content) in it or anywhere
# in the audit file.
my %SECRET = map { $_ => 1 } qw(file file_code tracing_sk content user_data
                                encrypted_user_data db_password
                                kafka_password access_password);

sub secrets_of {
    my ($v) = @_;
    return () unless ref $v eq 'HASH' || ref $v eq 'ARRAY';
    return map { secrets_of($_) } @$v if ref $v eq 'ARRAY';
    return map { ($SECRET{$_} && !ref $v->{$_} && length($v->{$_}) >= 8)
                 ? $v->{$_} : secrets_of($v->{$_}) } keys %$v;
}

sub changes_of {
    my ($t, $r, $bytes) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $rec = audit_record($t, $r->header('x-fgs-request-id') // '') // {};
    my $body = json_decode($bytes);
    my $ch = $rec->{changes};
    ok(ref $ch eq 'HASH' && !grep({ !exists $body->{$_} } keys %$ch),
       'its record lists the changed fields under their API names')
        or diag(explain $ch);
    ok(keys(%$body) == 0 || keys(%{ $ch // {} }) > 0
       || !grep({ !$SECRET{$_} } keys %$body),
       'and the body\'s non-secret fields are there');
    my $audit = FgsTest::slurp($t->prefix . '/logs/audit.log');
    for my $s (secrets_of($body)) {
        ok(index($audit, $s) < 0, "no secret value in the audit file");
    }
}

my $CONF = <<'CONF';
    fgs_policy %%POLICY%%;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log buffer=0;
    add_header X-Fgs-Op $fgs_policy_operation always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    add_header X-Fgs-Request-Id $request_id always;
    location / {
        %%PROXY%%
    }
CONF


# --- 1. every write endpoint, three ways, through nginx

my $t = FgsTest->new(vars => { POLICY => $SURFACE_POLICY }, server => $CONF);
$t->start;
$t->seed_functions(fn_urn(ALLOW_PROJECT), fn_urn(DENY_PROJECT));
$t->mock_clear;

my @decided;     # what nginx decided: for the CLI, below

for my $w (@writes) {
    my $e = $bodies->{ $w->{key} } or next;
    my $op = $w->{op};

    subtest "$w->{key} ($op)" => sub {

        # denied by deny-surface
        my $target = target_of($w, DENY_PROJECT);
        my $bytes = bytes_of($e->{conforming}, DENY_PROJECT);
        my $r = send_req($t, $w->{method}, $target, $bytes);
        $t->is_fgs_error($r, 403, 'FGSPOL.4030', 'denied by deny-surface',
                         rules => ['deny-surface'], nviolations => 1,
                         msg => qr/^denied by policy: deny-surface: /);
        is($r->header('x-fgs-op'), $op, "denied as $op");
        is($r->header('x-fgs-rules'), 'deny-surface', 'the rule acted');
        $t->upstream_got_nothing('the denied request reached nothing');
        is_audited($t, $r, $op, 'deny', 'denied');
        push @decided, [ $w, 'denied', DENY_PROJECT, $bytes, $r ];

        # allowed elsewhere, forwarded byte for byte
        $target = target_of($w, ALLOW_PROJECT);
        $bytes = bytes_of($e->{conforming}, ALLOW_PROJECT);
        $r = send_req($t, $w->{method}, $target, $bytes);
        is($r->header('x-fgs-decision'), 'allow', 'allowed in another project')
            or diag($r->summary);
        is($r->header('x-fgs-op'), $op, "the answer carries the operation $op");
        my $rec = $t->upstream_got($w->{method}, $target, $bytes // '',
                                   'forwarded byte for byte');
        is($r->status, $rec && $rec->{raw}{status},
           'the answer is the mock\'s');
        is($rec && $rec->{raw}{operation}, $op, "the mock served it as $op")
            if $rec && defined $rec->{raw}{operation};
        is_audited($t, $r, $op, 'allow', 'allowed');
        changes_of($t, $r, $bytes) if defined $bytes;
        push @decided, [ $w, 'allowed', ALLOW_PROJECT, $bytes, $r ];

        # bodies that break the model
        ok(@{ $e->{broken} // [] }, 'at least one broken body');
        ok((grep { canonical_json($_->{body}) eq '{"x":1}' }
            @{ $e->{broken} }), 'a body for an endpoint that takes none: {"x":1}')
            unless defined $e->{conforming};
        for my $b (@{ $e->{broken} // [] }) {
            $bytes = bytes_of($b->{body}, ALLOW_PROJECT);
            $r = send_req($t, $w->{method}, $target, $bytes);
            $t->is_fgs_error($r, 400, $b->{error_code}, "refused: $b->{why}",
                             $b->{field} ? (fields => [ $b->{field} ]) : ());
            is($r->header('x-fgs-decision'), 'error', "$b->{why}: decision error");
            $t->upstream_got_nothing("$b->{why}: nothing forwarded");
            push @decided, [ $w, "broken: $b->{why}", ALLOW_PROJECT, $bytes, $r ];
        }
    };
}

# a write the table does not have is "other", denied by other_writes
my $r = send_req($t, 'POST', '/v2/' . ALLOW_PROJECT . '/fgs/no-such-api', '{}');
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'an unknown write is denied');
is($r->header('x-fgs-op'), 'other', 'as other');
$t->upstream_got_nothing('and not forwarded');

$t->finish;


# --- 4. fgs-policy eval decides each of those requests as nginx did

# What fgs-policy eval decides for one request nginx decided, and how the
# two differ: decision and exit status always; error_code, error_msg and
# the violations' fields when the request was not forwarded (a forwarded
# request's answer is the mock's).
sub cli_differences {
    my ($w, $project, $bytes, $resp) = @_;

    my @args = ('eval', $SURFACE_POLICY, '--op', $w->{op},
                '--method', $w->{method}, '--path', $w->{path},
                '--project', $project, '--urn', fn_urn($project));
    if (defined $bytes) {
        my $f = "$tmp/body-" . ++$ncli . '.json';
        FgsTest::spew($f, $bytes);
        push @args, $f;
    }
    my ($rc, $out) = cli(@args);
    my $got = eval { json_decode(substr($out, index($out, '{'))) } // {};
    my $decision = $resp->header('x-fgs-decision') // '';
    my %exit = (allow => 0, deny => 3, error => 4);
    my @diff;

    push @diff, 'decision ' . ($got->{decision} // "none ($out)")
                . ", nginx $decision"
        if ($got->{decision} // '') ne $decision;
    push @diff, "exit status $rc, not " . ($exit{$decision} // '?')
        if $rc != ($exit{$decision} // -99);
    return @diff if $decision eq 'allow';

    my $nginx = eval { json_decode($resp->body) } // {};
    for my $k (qw(error_code error_msg)) {
        push @diff, "$k " . ($got->{$k} // 'none') . ', nginx '
                    . ($nginx->{$k} // 'none')
            if ($got->{$k} // '') ne ($nginx->{$k} // '');
    }
    my @f = map { join ',', map { $_->{field} } @{ $_->{violations} // [] } }
            $got, $nginx;
    push @diff, "violations [$f[0]], nginx [$f[1]]" if $f[0] ne $f[1];
    return @diff;
}

for my $d (@decided) {
    my ($w, $what, $project, $bytes, $resp) = @$d;
    my @diff = cli_differences($w, $project, $bytes, $resp);

    ok(!@diff, "fgs-policy eval decides $w->{key}, $what, as nginx")
        or diag(join "\n", @diff);
}


# --- 2. the three requests of the issue under the shipped policy

my $t2 = FgsTest->new(server => $CONF);
$t2->start;
my $P = PROJECT;
my $dev = urn('dev-reports');
$t2->seed_functions($dev);
$t2->mock_clear;

# an import into prod-
my $import = canonical_json({ func_name => 'prod-x', file_name => 'prod-x.zip',
                              file_type => 'zip', file_code => 'UEsDBA==' });
$r = send_req($t2, 'POST', "/v2/$P/fgs/functions/import", $import);
$t2->is_fgs_error($r, 403, 'FGSPOL.4030', 'an import into prod-x is denied',
                  rules => ['no-import-into-prod'],
                  msg => qr/^denied by policy: no-import-into-prod: /);
is($r->header('x-fgs-op'), 'import', 'as import');
$t2->upstream_got_nothing('the import reached nothing');
is_audited($t2, $r, 'import', 'deny', 'the import');

# an API Gateway trigger anyone can call
my %apig = (trigger_type_code => 'APIG', trigger_status => 'ACTIVE',
            event_type_code => 'APIGCreateApi');
my %apig_data = (name => 'open', protocol => 'HTTPS', group_id => 'g1',
                 env_id => 'e1', env_name => 'RELEASE', match_mode => 'SWA',
                 req_method => 'ANY', path => '/open', type => 1,
                 sl_domain => 'x.apig.example');
my $trigger_target = "/v2/$P/fgs/triggers/$dev";
my $open = canonical_json({ %apig, event_data => { %apig_data, auth => 'NONE' } });
$r = send_req($t2, 'POST', $trigger_target, $open);
$t2->is_fgs_error($r, 403, 'FGSPOL.4030', 'an APIG trigger with auth NONE is denied',
                  rules => ['gateway-trigger-auth'], fields => ['event_data.auth'],
                  msg => qr/^denied by policy: gateway-trigger-auth: /);
is($r->header('x-fgs-op'), 'trigger', 'as trigger');
$t2->upstream_got_nothing('the open trigger reached nothing');

# a tag key outside the tagging standard
my $tags_target = "/v2/$P/functions/$dev/tags/create";
my $bad_tags = canonical_json({ action => 'create', tags => [
    { key => 'env', value => 'dev' }, { key => 'CostCenter', value => '42' } ] });
$r = send_req($t2, 'POST', $tags_target, $bad_tags);
$t2->is_fgs_error($r, 403, 'FGSPOL.4030', 'a tag key outside the standard is denied',
                  rules => ['tag-keys-documented'], fields => ['tags[1].key'],
                  msg => qr/^denied by policy: tag-keys-documented: /);
is($r->header('x-fgs-op'), 'tags', 'as tags');
$t2->upstream_got_nothing('the tags reached nothing');
is_audited($t2, $r, 'tags', 'deny', 'the tags');
my $tag_rec = audit_record($t2, $r->header('x-fgs-request-id') // '');
is($tag_rec && $tag_rec->{function_urn}, $dev,
   'the record names the function the tags are of');

# and what the same policy lets through
my $good_tags = canonical_json({ action => 'create', tags => [
    { key => 'env', value => 'dev' }, { key => 'cost-center', value => '42' } ] });
$r = send_req($t2, 'POST', $tags_target, $good_tags);
is($r->header('x-fgs-decision'), 'allow', 'a tag of the standard is allowed')
    or diag($r->summary);
$t2->upstream_got('POST', $tags_target, $good_tags,
                  'the allowed tags are forwarded byte for byte');
is_audited($t2, $r, 'tags', 'allow', 'the allowed tags');

my $iam = canonical_json({ %apig, event_data => { %apig_data, name => 'internal',
                                                  path => '/internal', auth => 'IAM' } });
$r = send_req($t2, 'POST', $trigger_target, $iam);
is($r->header('x-fgs-decision'), 'allow', 'an IAM APIG trigger is allowed')
    or diag($r->summary);
$t2->upstream_got('POST', $trigger_target, $iam,
                  'the IAM trigger is forwarded byte for byte');

$t2->finish;


# --- 3. the README's table is the engine's

my $readme = FgsTest::slurp("$ROOT/README.md");
my ($section) = $readme =~ /^## The write surface\n(.*?)(?=^## )/ms;
ok(defined $section, 'README.md has "The write surface"');
is(join("\n", grep { /^\|/ } split /\n/, $section // ''),
   join("\n", @table_lines),
   'its table is exactly the one fgs-policy endpoints prints');

File::Path::remove_tree($tmp) if Test::More->builder->is_passing;
done_testing;

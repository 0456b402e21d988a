# Faults (docs/security.md, "What is guaranteed"; docs/errors.md;
# docs/audit.md): an upstream that is down, slow, resetting, answering
# garbage or cutting its answer, and nginx trying the next upstream with the
# same checked (or rewritten) bytes; a client that goes away mid-body
# (HTTP/1.1, and an HTTP/2 stream cancelled); a full disk under the body
# temp files; a policy file that is missing or broken at reload.  Each ends
# in the documented status (nginx's own errors as the gateway's JSON), with
# never a body forwarded that was not checked, never a crash or an [alert],
# and nginx serving the next request; and exactly one audit record per
# governed request.

use strict;
use warnings;

use File::Copy qw(copy);
use File::Path qw(make_path);
use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';


# --- a tiny tmpfs for the "disk full" cases (root only)

my @mounts;

sub mount_tmpfs {
    my ($dir, $size) = @_;

    return "not root" if $> != 0;
    make_path($dir);
    my $out = `mount -t tmpfs -o size=$size tmpfs \Q$dir\E 2>&1`;
    return "mount -t tmpfs failed: $out" if $?;
    push @mounts, $dir;
    chmod 0777, $dir;
    return undef;
}

sub umount_all {
    while (my $dir = pop @mounts) {
        system('umount', $dir) == 0 or system('umount', '-l', $dir);
    }
}

# before FgsTest's own END removes the prefix directories
END { umount_all(); }


# --- the gateway under test

my $h2port = FgsTest::free_port();

my $t = FgsTest->new(
    allow_log => [
        # the full tmpfs under the fn-full location's temp files
        qr/\[crit\].*No space left on device/,
        qr/\[crit\].*\/full\/\d+" has written only \d+ of \d+/,
    ],
    vars => { H2PORT => $h2port },
    http => <<'CONF',
    upstream fgs_mock_twice {
        server 127.0.0.1:%%MOCK_PORT%% max_fails=0;
        server 127.0.0.1:%%MOCK_PORT%% max_fails=0;
    }
CONF
    server => <<'CONF');
    listen 127.0.0.1:%%H2PORT%% http2;
    fgs_policy %%DATA%%/policy.json;
    # each fault's record is read at once: a short flush= spares every
    # check the default second (docs/audit.md, "Buffering")
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log flush=100ms;
    client_body_timeout 2s;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Request-Id $request_id always;
    location / {
        %%PROXY%%
        proxy_read_timeout 1s;
        proxy_connect_timeout 1s;
    }
    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-spill/ {
        client_body_buffer_size 1k;
        %%PROXY%%
    }
    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-retry/ {
        client_body_buffer_size 1k;
        proxy_pass http://fgs_mock_twice;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $fgs_test_host;
        proxy_read_timeout 1s;
        proxy_next_upstream error timeout invalid_header;
    }
    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-full/ {
        client_body_buffer_size 1k;
        client_body_temp_path %%PREFIX%%/full;
        %%PROXY%%
    }
CONF

my $full_dir = $t->prefix . '/full';
my $tmpfs_skip = mount_tmpfs($full_dir, '256k');
make_path($full_dir) if $tmpfs_skip;

$t->start;
$t->seed_functions(map { urn($_) } qw(fn-test fn-spill fn-full fn-retry));

my $audit_log = $t->prefix . '/logs/audit.log';
my $audit_seen = 0;

sub config_body {
    my ($name, %o) = @_;
    return config_json($name, code_encrypt_kms_key_id => $KMS, %o);
}

my $OK = config_body('fn-test');
my $BAD = config_body('fn-test', memory_size => 4096);
my $CFG = config_path('fn-test');


# --- assertions

# Every request the upstream got carries exactly the checked body (an
# upstream that fails may make nginx try it more than once), and at
# least one arrived.
sub upstream_got_only {
    my ($target, $body, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $recs = $t->mock_requests;
    subtest $name => sub {
        ok(@$recs >= 1 && @$recs <= 2, 'the upstream got the request')
            or diag(scalar(@$recs) . ' requests');
        for my $rec (@$recs) {
            is("$rec->{method} $rec->{target}", "PUT $target", 'its target');
            ok($rec->{body} eq $body, 'the checked body, byte for byte')
                or diag(FgsTest::first_difference($rec->{body}, $body));
        }
    };
}

# Exactly one new request record in the audit log since the last call
# (bounded wait: nginx writes it in the log phase, which may come just
# after the client has the response), for the response $r when there is
# one (its request id, status and error code), with what %want says.
sub one_audit_record {
    my ($r, $name, %want) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @recs;
    for (1 .. 60) {
        @recs = $t->audit_records('request', $audit_log);
        last if @recs > $audit_seen;
        select undef, undef, undef, 0.05;
    }
    select undef, undef, undef, 0.2;    # a second one would be late
    @recs = $t->audit_records('request', $audit_log);
    my @new = @recs[$audit_seen .. $#recs];
    $audit_seen = @recs;

    if ($r && $r->status) {
        $want{request_id} //= $r->header('x-fgs-request-id');
        $want{status} //= $r->status;
        my $e = $r->status >= 400 ? eval { json_decode($r->body) } : undef;
        $want{error_code} //= $e->{error_code} if ref $e eq 'HASH';
    }

    subtest "$name: one audit record" => sub {
        is(scalar @new, 1, 'exactly one request record')
            or diag(explain \@new);
        my $rec = $new[-1] or return;
        for my $k (sort keys %want) {
            next unless defined $want{$k};
            is(ref $rec->{$k} eq 'JSON::PP::Boolean' ? 0 + $rec->{$k}
                                                      : $rec->{$k},
               $want{$k}, $k);
        }
    };
}

# Stops the mock FunctionGraph: its port closes, the gateway's upstream
# is down.  The harness then no longer asks the mock for its records.
sub stop_mock {
    my ($inst) = @_;

    FgsTest::stop_pid(delete $inst->{mock_pid}, 5);
    $inst->{mock} = 0;
    ok(!FgsTest::port_open($inst->mock_port), 'the mock is stopped');
}

sub healthy {
    my ($name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $r = $t->json_put($CFG, $OK);
    $t->is_status($r, 200, "$name: the next request is served");
    one_audit_record($r, "$name: the next request", decision => 'allow',
                     forwarded => 1, upstream_status => 200);
}

my $r;


# --- the upstream misbehaves after an allowed body was forwarded

$t->mock_behave({ delay_ms => 3000, ops => ['config'] });
$r = $t->json_put($CFG, $OK, { keep => 1, timeout => 10 });
$t->is_fgs_error($r, 504, 'FGSPOL.5040',
                 'the upstream is slower than proxy_read_timeout: 504');
upstream_got_only($CFG, $OK, 'slow: the upstream got only the checked body');
one_audit_record($r, 'slow upstream', decision => 'allow', forwarded => 1);
sleep 2;    # the mock's delayed answer goes nowhere

for my $f ([ reset => 'resets the connection' ],
           [ garbage => 'answers bytes that are not HTTP' ])
{
    my ($kind, $why) = @$f;
    $t->mock_clear;
    $t->mock_behave({ $kind => JSON::PP::true, ops => ['config'],
                      count => 2 });
    $r = $t->json_put($CFG, $OK, { keep => 1 });
    $t->is_fgs_error($r, 502, 'FGSPOL.5020', "the upstream $why: 502");
    upstream_got_only($CFG, $OK, "$kind: the upstream got only the "
                                 . 'checked body');
    one_audit_record($r, "$kind upstream", decision => 'allow',
                     forwarded => 1);
    $t->mock_call('DELETE', '/__mock/behaviour');
}

# An answer cut short after its head: the status is the upstream's, the
# client sees the body end early and the connection close.
$t->mock_clear;
$t->mock_behave({ truncate => JSON::PP::true, ops => ['config'] });
$r = $t->json_put($CFG, $OK, { keep => 1 });
ok(!$r->complete, 'a truncated answer reaches the client truncated')
    or diag($r->summary);
is($r->status, 200, 'with the upstream\'s status');
upstream_got_only($CFG, $OK, 'truncated: the upstream got the checked body');
one_audit_record($r, 'truncated answer', decision => 'allow',
                 forwarded => 1);

# A denied body is not forwarded whatever the upstream would have done.
$t->mock_clear;
$t->mock_behave({ reset => JSON::PP::true, ops => ['config'] });
$r = $t->json_put($CFG, $BAD, { keep => 1 });
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'a denied body with a faulty '
                                          . 'upstream: 403');
is(scalar @{ $t->mock_requests }, 0, 'denied: the upstream got nothing');
one_audit_record($r, 'denied with a faulty upstream', decision => 'deny',
                 forwarded => 0);
$t->mock_call('DELETE', '/__mock/behaviour');



# --- nginx tries the next upstream: the same checked (and rewritten)
#     bytes each time

my $member = ",\"code_encrypt_kms_key_id\":\"$KMS\"";
my $retry_path = config_path('fn-retry');
my @retry = (
    [ 'allowed, in memory', config_body('fn-retry'), 0 ],
    [ 'rewritten, in memory',
      config_body('fn-retry', code_encrypt_kms_key_id => undef), 1 ],
    [ 'allowed, spilled',
      config_body('fn-retry', description => 'r' x 300_000), 0 ],
    [ 'rewritten, spilled',
      config_body('fn-retry', description => 'r' x 300_000,
                  code_encrypt_kms_key_id => undef), 1 ],
);
# (an answer that is not HTTP is not retried: nginx reads it as HTTP/0.9
# and the gateway turns it into its 502, above)
for my $f ([ reset => { reset => JSON::PP::true } ],
           [ timeout => { delay_ms => 1500 } ])
{
    my ($fault, $spec) = @$f;
    for my $c (@retry) {
        my ($how, $body, $rewritten) = @$c;
        $t->mock_clear;
        $t->mock_behave({ %$spec, ops => ['config'] });
        $r = $t->json_put($retry_path, $body, { keep => 1 });
        $t->is_status($r, 200, "$fault, then the next upstream ($how): 200");
        my $recs = $t->mock_requests;
        subtest "$fault, then the next upstream ($how): the same bytes twice"
            => sub {
            is(scalar @$recs, 2, 'two attempts reached the upstream');
            return unless @$recs == 2;
            ok($recs->[0]{body} eq $recs->[1]{body}, 'the same body twice')
                or diag(FgsTest::first_difference($recs->[1]{body},
                                                  $recs->[0]{body}));
            my $got = $recs->[1]{body};
            if ($rewritten) {
                ok(index($got, $member) >= 0, 'with the KMS key inserted');
                $got =~ s/\Q$member\E//;
            }
            ok($got eq $body, $rewritten ? 'and otherwise the client\'s body'
                                         : 'the client\'s body')
                or diag(FgsTest::first_difference($got, $body));
            is($recs->[1]{headers}{'content-length'},
               length $recs->[1]{body}, 'with its Content-Length');
        };
        one_audit_record($r, "$fault, then the next upstream ($how)",
                         decision => $rewritten ? 'rewrite' : 'allow',
                         forwarded => 1, upstream_status => 200);
        $t->mock_call('DELETE', '/__mock/behaviour');
    }
}

healthy('after the upstream faults');


# --- the client goes away mid-body

my $host = '127.0.0.1:' . $t->port;
my $big = canonical_json({ func_name => 'fn-spill', runtime => 'Python3.12',
    handler => 'index.handler', memory_size => 512, timeout => 30,
    code_encrypt_kms_key_id => $KMS, description => 'd' x 400_000 });

my @gone = (
    [ 'in memory', $CFG, $OK, undef ],
    [ 'chunked', $CFG, $OK, 16 ],
    [ 'spilled to a temp file', config_path('fn-spill'), $big, undef ],
    [ 'spilled and chunked', config_path('fn-spill'), $big, 65536 ],
);
for my $g (@gone) {
    my ($how, $target, $body, $chunked) = @$g;
    $t->mock_clear;
    my $req = build_request(method => 'PUT', target => $target, host => $host,
        body => $body, defined $chunked ? (chunked => $chunked) : (),
        headers => ['Content-Type' => 'application/json']);
    my $head_end = index($req, "\r\n\r\n") + 4;
    my $half = $head_end + int((length($req) - $head_end) / 2);
    my $c = $t->connect;
    $c->send(substr($req, 0, $half));
    select undef, undef, undef, 0.2;
    $c->close;
    select undef, undef, undef, 0.3;
    is(scalar @{ $t->mock_requests }, 0,
       "a client gone mid-body ($how): nothing forwarded");
    one_audit_record(undef, "client gone mid-body ($how)", forwarded => 0);
}

# ... and after the 100 Continue it asked for
{
    $t->mock_clear;
    my $c = $t->connect;
    $c->send(build_request(method => 'PUT', target => $CFG, host => $host,
        headers => ['Content-Type' => 'application/json',
                    'Content-Length' => length $OK,
                    'Expect' => '100-continue']));
    my $cont = $c->read_response(timeout => 5, interim => 1);
    is($cont->status, 100, 'Expect: the gateway asks for the body');
    $c->send(substr($OK, 0, 10));
    $c->close;
    select undef, undef, undef, 0.3;
    is(scalar @{ $t->mock_requests }, 0,
       'a client gone after 100 Continue: nothing forwarded');
    one_audit_record(undef, 'client gone after 100 Continue', forwarded => 0);
}

# ... and over HTTP/2, cancelling the stream
for my $g ([ 'in memory', $CFG, $OK ],
           [ 'spilled to a temp file', config_path('fn-spill'), $big ])
{
    my ($how, $target, $body) = @$g;
    $t->mock_clear;
    my $spec = $t->prefix . '/data/h2-cancel.json';
    FgsTest::spew($spec, json_encode([ {
        method => 'PUT', path => $target,
        headers => { 'content-type' => 'application/json' },
        body_b64 => encode_base64($body, ''),
        cancel_after => int(length($body) / 2) } ]));
    FgsTest::run_cmd(['node', data_path('bypass/h2-request.js'), $h2port,
                      $spec], $t->prefix . '/data/h2-cancel.out', 30);
    select undef, undef, undef, 0.3;
    is(scalar @{ $t->mock_requests }, 0,
       "an HTTP/2 stream cancelled mid-body ($how): nothing forwarded");
    one_audit_record(undef, "HTTP/2 stream cancelled mid-body ($how)",
                     forwarded => 0);
}

healthy('after the clients that went away');


# --- a full disk under the body temp files

SKIP: {
    skip "disk full for temp files: $tmpfs_skip", 9 if $tmpfs_skip;

    my $path = config_path('fn-full');
    my $huge = config_body('fn-full', description => 'f' x 1_000_000);

    $r = $t->json_put($path, $huge);
    $t->is_fgs_error($r, 500, 'FGSPOL.5000',
                     'a body the full temp disk cannot hold: 500');
    $t->upstream_got_nothing('temp disk full: nothing forwarded');
    one_audit_record($r, 'temp disk full', forwarded => 0);

    $r = $t->request(method => 'PUT', target => $path, body => $huge,
                     chunked => 65536,
                     headers => ['Content-Type' => 'application/json']);
    $t->is_fgs_error($r, 500, 'FGSPOL.5000',
                     'temp disk full, chunked: 500');
    $t->upstream_got_nothing('temp disk full, chunked: nothing forwarded');
    one_audit_record($r, 'temp disk full, chunked', forwarded => 0);

    # a body that fits in memory does not need the disk
    my $small = config_body('fn-full');
    $r = $t->json_put($path, $small);
    $t->is_status($r, 200, 'a small body passes beside the full disk');
    $t->upstream_got('PUT', $path, $small, 'and is forwarded byte for byte');
    one_audit_record($r, 'small body beside the full disk',
                     decision => 'allow', forwarded => 1);
}

healthy('after the full disk');


# --- the upstream is down

stop_mock($t);
$r = $t->json_put($CFG, $OK);
$t->is_fgs_error($r, 502, 'FGSPOL.5020', 'the upstream is down: 502');
one_audit_record($r, 'upstream down', decision => 'allow', forwarded => 1);
$r = $t->json_put($CFG, $BAD);
$t->is_fgs_error($r, 403, 'FGSPOL.4030',
                 'the upstream is down: a denied body is still 403');
one_audit_record($r, 'upstream down, denied', decision => 'deny',
                 forwarded => 0);

$t->finish;
umount_all();


# --- a full disk under the audit log (docs/audit.md, "What
#     fgs_policy_audit_fail guarantees": 503 FGSPOL.5030
#     with fgs_policy_audit_fail closed, nothing forwarded; open:
#     forwarded without its record)

my $A = FgsTest->new(
    allow_log => [ qr{fgs_policy: the audit .* "[^"]*/auditfs/audit\.log"} ],
    vars => { FAIL => 'closed' },
    server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/auditfs/audit.log;
    fgs_policy_audit_fail %%FAIL%%;
    add_header X-Fgs-Request-Id $request_id always;
    location / {
        %%PROXY%%
    }
CONF

my $afs = $A->prefix . '/auditfs';
my $afs_skip = mount_tmpfs($afs, '64k');

# Fills the tmpfs with a file: nothing more can be written there.
sub fill_disk {
    open my $fh, '>:raw', "$afs/filler" or die "filler: $!";
    my $block = 'x' x 4096;
    for (1 .. 64) {
        last unless syswrite $fh, $block;
    }
    for (1 .. 4096) {
        last unless syswrite $fh, 'x';
    }
    close $fh;
}

SKIP: {
    skip "disk full for the audit log: $afs_skip", 23 if $afs_skip;

    $A->start;
    $A->seed_functions(urn('fn-test'));
    my $alog = "$afs/audit.log";
    my $cfg_ok = config_body('fn-test');
    my $cfg_rw = config_body('fn-test', code_encrypt_kms_key_id => undef);

    # the log is still empty: the disk filled now leaves it no byte
    fill_disk();
    ok(!-s $alog, 'the audit log is empty and its disk full');

    $r = $A->json_put($CFG, $cfg_ok);
    $A->is_fgs_error($r, 503, 'FGSPOL.5030',
                     'closed: an allowed body whose intent cannot be '
                     . 'written: 503');
    $A->upstream_got_nothing('closed, audit disk full: nothing forwarded');

    $r = $A->json_put($CFG, $cfg_rw);
    $A->is_fgs_error($r, 503, 'FGSPOL.5030',
                     'closed: a body to rewrite: 503');
    $A->upstream_got_nothing('closed, a rewrite: nothing forwarded');

    $r = $A->json_put($CFG, $BAD);
    $A->is_fgs_error($r, 403, 'FGSPOL.4030',
                     'closed: a denied body is still 403');
    $A->upstream_got_nothing('closed, denied: nothing forwarded');

    ok(!-s $alog, 'nothing (not part of a line) reached the audit log');

    # open: forwarded without a record
    ok($A->reload(vars => { FAIL => 'open' }),
       'reloaded with fgs_policy_audit_fail open');
    $r = $A->json_put($CFG, $cfg_ok);
    $A->is_status($r, 200, 'open: the allowed body passes');
    $A->upstream_got('PUT', $CFG, $cfg_ok, 'open: forwarded byte for byte');
    $r = $A->json_put($CFG, $BAD);
    $A->is_fgs_error($r, 403, 'FGSPOL.4030', 'open: a denied body is 403');

    # room again: closed, and each request has its one record
    ok($A->reload(vars => { FAIL => 'closed' }),
       'reloaded with fgs_policy_audit_fail closed');
    unlink "$afs/filler";
    $r = $A->json_put($CFG, $cfg_ok);
    $A->is_status($r, 200, 'room on the disk again: the body passes');
    my $id = $r->header('x-fgs-request-id') // '-';
    my @recs;
    for (1 .. 60) {
        @recs = grep { ($_->{request_id} // '') eq $id }
                $A->audit_records('request', $alog);
        last if @recs;
        select undef, undef, undef, 0.05;
    }
    is(scalar @recs, 1, 'and its one request record is written');

    # full again, the log's last page part-used: records fit until one
    # is cut short; every request before is forwarded with its intent
    # whole, the one whose intent is cut is refused
    fill_disk();
    my $before = -s $alog;
    subtest 'the audit disk fills up while requests come' => sub {
        for my $i (1 .. 20) {
            $r = $A->json_put($CFG, $cfg_ok);
            my $id = $r->header('x-fgs-request-id') // '-';
            if ($r->status == 503) {
                $A->is_fgs_error($r, 503, 'FGSPOL.5030',
                                 "request $i: its intent is cut: 503");
                $A->upstream_got_nothing("request $i: nothing forwarded");
                return;
            }
            $A->is_status($r, 200, "request $i: passes");
            $A->upstream_got('PUT', $CFG, $cfg_ok, "request $i: forwarded");
            my @i = grep { ($_->{request_id} // '') eq $id }
                    $A->audit_records('intent', $alog);
            is(scalar @i, 1, "request $i: its intent is whole in the log");
        }
        fail('20 requests and the disk is still not full');
    };
    unlink "$afs/filler";
    $r = $A->json_put($CFG, $cfg_ok);
    $A->is_status($r, 200, 'room again: the body passes');
    $A->upstream_got('PUT', $CFG, $cfg_ok, 'room again: forwarded');

    $A->finish;
    my @torn = grep { !$_->{json} } $A->audit_lines($alog);
    my ($rc, $said) = $A->verify_audit($alog);
    if (@torn) {
        # what a full disk took of a line is the one error named (an
        # intent whose request record was lost is a warning)
        my @named = $said =~ /:(\d+): error:/g;
        is_deeply([ sort { $a <=> $b } @named ],
                  [ map { $_->{line} } @torn ],
                  'verify-audit names only the line cut short: '
                  . join(',', map { $_->{line} } @torn))
            or diag($said);
        ok($torn[0]{raw} =~ /\n\z/, 'and a newline ends it');
    } else {
        is($rc, 0, 'fgs-policy verify-audit: the chains are whole')
            or diag($said);
        pass('no line was cut short');
    }
    ok(-s $alog > $before, 'the records after the full disk follow');
}
umount_all();


# --- a policy file missing or broken at reload

my $p = FgsTest->new(vars => { POLICY => '%%PREFIX%%/conf/policy.json' },
                     allow_log => [ qr/\[emerg\].*fgs_policy/ ],
                     server => <<'CONF');
    fgs_policy %%POLICY%%;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    location / {
        %%PROXY%%
    }
CONF
$p->{vars}{POLICY} = $p->prefix . '/conf/policy.json';
copy(data_path('bypass/policy.json'), $p->{vars}{POLICY})
    or die "copy the policy: $!";
$p->start;
$p->seed_functions(urn('fn-test'));

$r = $p->json_put($CFG, $BAD);
$p->is_fgs_error($r, 403, 'FGSPOL.4030', 'before the reload: denied',
                 rules => ['memory-limit']);

unlink $p->{vars}{POLICY} or die "unlink: $!";
my @workers = $p->worker_pids;
ok(!$p->reload, 'a reload with the policy file missing is refused');
like($p->{reload_log}, qr/\[emerg\].*\Q$p->{vars}{POLICY}\E/,
     'the error log names the missing file');
is(join(',', $p->worker_pids), join(',', @workers),
   'the old workers keep serving');

$r = $p->json_put($CFG, $BAD);
$p->is_fgs_error($r, 403, 'FGSPOL.4030',
                 'after the failed reload the old policy denies',
                 rules => ['memory-limit']);
$p->upstream_got_nothing('and nothing is forwarded');
$r = $p->json_put($CFG, $OK);
$p->is_status($r, 200, 'after the failed reload the old policy allows');
$p->upstream_got('PUT', $CFG, $OK, 'forwarded byte for byte');

# a broken file is refused the same way
FgsTest::spew($p->{vars}{POLICY}, '{"fgs_policy": 1, "rules": [');
ok(!$p->reload, 'a reload with a broken policy file is refused');
like($p->{reload_log}, qr/\[emerg\].*\Q$p->{vars}{POLICY}\E/,
     'the error log names the broken file');
$r = $p->json_put($CFG, $BAD);
$p->is_fgs_error($r, 403, 'FGSPOL.4030', 'the old policy still denies',
                 rules => ['memory-limit']);

# and a good file is swapped in
copy(data_path('policy-plain.json'), $p->{vars}{POLICY}) or die "copy: $!";
ok($p->reload, 'a reload with a good policy file swaps it in');
$r = $p->json_put($CFG, $BAD);
$p->is_status($r, 200, 'the new policy allows what the old one denied');
$p->upstream_got('PUT', $CFG, $BAD, 'forwarded byte for byte');

$p->finish;
done_testing;

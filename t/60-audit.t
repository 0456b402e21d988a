# The audit trail (docs/audit.md): one record per governed request,
# whatever the decision (allow, rewrite, audit, deny, errors before the
# policy, nginx's own errors, other writes, an upstream that is down),
# with the status the client got and the upstream's; an intent before
# every forwarded request (fgs_policy_audit_fail closed, the default);
# identities by access key or token hash; body hashes of what was read
# and what was forwarded; every line chained, and verify-audit content
# with the file while nginx runs (--live) and after it stopped (every
# chain ended).

use strict;
use warnings;

use Test::More;
use Time::HiRes ();

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $P = PROJECT;
my $closed = FgsTest::free_port();
my $down_urn = urn('dev-down');
my $code_urn = urn('dev-code');

# Each request's record is read at once: a short flush= spares every
# check the default second (docs/audit.md, "Buffering"; t/69 tests the
# defaults).
my $server = <<"CONF";
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log flush=100ms;
    fgs_policy_max_body_size 8m;
    add_header X-Fgs-Request-Id \$request_id always;
    location / {
        %%PROXY%%
    }
    location /v2/$P/fgs/functions/$code_urn/ {
        client_body_buffer_size 16k;
        %%PROXY%%
    }
    location /v2/$P/fgs/functions/$down_urn/ {
        proxy_pass http://127.0.0.1:$closed;
    }
CONF

my $t = FgsTest->new(server => $server);

my ($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /"fgs_policy_audit_log" directive is duplicate/,
   'nginx -t: the same destination twice is refused') or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log;
    fgs_policy_audit_log off;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /off cannot be combined/,
   'nginx -t: off with a destination is refused') or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log syslog:facility=local5;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /no syslog server/,
   'nginx -t: syslog without a server is refused') or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/no-such-dir/audit.log;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /no-such-dir\/audit\.log/,
   'nginx -t: an audit file that cannot be opened is refused') or diag($out);

$t->start;

my $audit = $t->prefix . '/logs/audit.log';
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my $TOKEN = 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglg';
my $policy_sha = sha256_hex(read_data('policy.json'));
$t->seed_functions(map { urn($_) } qw(dev-reports prod-orders dev-code));

sub config_body {
    my (%o) = @_;
    return config_json('dev-reports', code_encrypt_kms_key_id => $KMS, %o);
}

# The request record of a response (by its X-Fgs-Request-Id), or its
# intent.  nginx writes the record in the log phase, which may come just
# after the client has the whole response: wait for it (bounded).
sub record_of {
    my ($r, $kind) = @_;
    my $id = $r->header('x-fgs-request-id') // '';
    my @recs;
    for my $try (1 .. 50) {
        @recs = grep { ($_->{request_id} // '') eq $id }
                $t->audit_records($kind // 'request', $audit);
        last if @recs || ($kind // '') eq 'intent';
        Time::HiRes::sleep(0.05);
    }
    return @recs == 1 ? $recs[0] : undef;
}

my $governed = 0;       # governed requests sent

sub check_record {
    my ($r, $name, %want) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $governed++;
    my $rec = record_of($r);
    subtest $name => sub {
        ok($rec, 'exactly one request record with the response\'s '
                 . 'request id') or return;
        for my $k (sort keys %want) {
            if (ref $want{$k} eq 'Regexp') {
                like($rec->{$k} // '', $want{$k}, $k);
            } elsif (ref $want{$k} eq 'CODE') {
                ok($want{$k}->($rec->{$k}), $k)
                    or diag("$k: " . explain($rec->{$k}));
            } else {
                is_deeply($rec->{$k}, $want{$k}, $k)
                    or diag(explain($rec->{$k}));
            }
        }
    };
    return $rec;
}

my $token_id = { type => 'token', decoded => JSON::PP::false,
                 token_sha256 => substr(sha256_hex($TOKEN), 0, 16),
                 principals => [] };
my $r;


# --- allow: forwarded as is

my $body = config_body();
$r = $t->json_put(config_path('dev-reports'), $body);
$t->is_status($r, 200, 'allowed');
my $rec = check_record($r, 'allow: its record',
    kind => 'request', decision => 'allow', mode => 'enforce',
    operation => 'config', method => 'PUT',
    uri => config_path('dev-reports'), project_id => $P,
    function_urn => urn('dev-reports'), client => '127.0.0.1',
    identity => $token_id, status => 200, upstream_status => 200,
    forwarded => JSON::PP::true, body_bytes => length $body,
    body_sha256 => sha256_hex($body), forwarded_sha256 => undef,
    violations => [], waived => [], rewrites => [], error_code => undef,
    policy_sha256 => $policy_sha,
    time => qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    worker => qr/^\d+$/, seq => qr/^\d+$/, hash => qr/^[0-9a-f]{64}$/,
    chain => qr/^[0-9a-f]{32}$/);
my $intent = record_of($r, 'intent');
ok($intent, 'an intent came before it (fgs_policy_audit_fail closed)');
ok($intent && $intent->{seq} < $rec->{seq}
   && !exists $intent->{status} && $intent->{decision} eq 'allow'
   && $intent->{body_sha256} eq $rec->{body_sha256},
   'the intent: earlier in the chain, the decision and body, no status');

# as written, the request record refers to its intent instead of
# repeating it (docs/audit.md, "A record"); audit_records() reads it whole
my ($raw) = grep { $_->{json} && $_->{json}{kind} eq 'request'
                   && $_->{json}{request_id} eq ($rec->{request_id} // '') }
            $t->audit_lines($audit);
ok($raw && $intent && $raw->{json}{intent} == $intent->{seq}
   && $raw->{json}{chain} eq $intent->{chain},
   'the request record names its intent by its seq in the same chain');
ok($raw && !grep({ exists $raw->{json}{$_} }
                 qw(decision identity changes uri body_sha256 violations)),
   'and does not repeat what the intent says')
    or diag($raw && $raw->{raw});
ok($raw && length($raw->{raw}) < 600,
   'a few hundred bytes (' . ($raw ? length $raw->{raw} : 0) . ')');


# --- rewrite: the KMS key added; forwarded_sha256 is what the mock got

$body = config_body(code_encrypt_kms_key_id => undef);
$r = $t->json_put(config_path('dev-reports'), $body);
$t->is_status($r, 200, 'rewritten');
my $got = $t->mock_requests->[-1];
check_record($r, 'rewrite: its record',
    decision => 'rewrite', status => 200, upstream_status => 200,
    body_bytes => length $body, body_sha256 => sha256_hex($body),
    forwarded_sha256 => $got ? $got->{sha256} : 'none',
    rewrites => [ { rule => 'kms-default',
                    field => 'code_encrypt_kms_key_id',
                    action => 'set_default' } ]);
ok($got && $got->{sha256} ne sha256_hex($body),
   'the forwarded body differs from the one read');


# --- audit: an audit-mode rule's violation, forwarded

my $secret = 'password=hunter2-canary-7731';
$body = config_body(user_data => $secret);
$r = $t->json_put(config_path('dev-reports'), $body);
$t->is_status($r, 200, 'audited and forwarded');
$rec = check_record($r, 'audit: its record',
    decision => 'audit', status => 200, upstream_status => 200,
    violations => sub {
        my ($v) = @_;
        return ref $v eq 'ARRAY' && @$v == 1
               && $v->[0]{rule} eq 'no-plaintext-secrets'
               && $v->[0]{field} eq 'user_data' && $v->[0]{mode} eq 'audit';
    });
unlike(FgsTest::slurp($audit), qr/hunter2/,
       'the user_data value is nowhere in the audit file');


# --- large bodies, spilled to a temp file and hashed as they arrive; a
# rewrite's hash resumes from the state kept before its edit

my $big = code_body(3 * 1024 * 1024,
                    tail => ",\"code_encrypt_kms_key_id\":\"$KMS\"");
$r = $t->json_put(code_path('dev-code'), $big);
$t->is_status($r, 200, 'a 4 MB /code body (spilled) is allowed');
check_record($r, 'spilled body: its record', decision => 'allow',
             body_bytes => length $big, body_sha256 => sha256_hex($big),
             forwarded_sha256 => undef);

$big = code_body(3 * 1024 * 1024);
$r = $t->json_put(code_path('dev-code'), $big);
$t->is_status($r, 200, 'a 4 MB /code body without the KMS key: rewritten');
$got = $t->mock_requests->[-1];
check_record($r, 'spilled rewrite: its record', decision => 'rewrite',
             body_bytes => length $big, body_sha256 => sha256_hex($big),
             forwarded_sha256 => $got ? $got->{sha256} : 'none');

$r = $t->json_put(code_path('dev-code'), $big, { chunked => 65536 });
$t->is_status($r, 200, 'the same, chunked');
$got = $t->mock_requests->[-1];
check_record($r, 'chunked rewrite: its record', decision => 'rewrite',
             body_bytes => length $big, body_sha256 => sha256_hex($big),
             forwarded_sha256 => $got ? $got->{sha256} : 'none');


# --- the two ways a body is hashed, at each one's edges: in one call
# from the buffer the checks read (a body of known size under 64 KB,
# even one that nginx wrote to a temp file), or as it arrives (chunked,
# whatever its size, or 64 KB and more); chosen at the first buffer.
# Every hash is computed here from the bytes sent and the bytes the
# upstream got.  Both ways give the same hash, so these cases show that
# each is right around the sizes where the choice changes, not which
# one ran.

# A /code body of exactly $len bytes: random code, then as many spaces
# as are left before the closing brace (JSON allows them there), so
# that a rewrite's member goes in after whitespace.
sub sized_code_body {
    my ($len, %o) = @_;

    my $fixed = length code_body(0, %o);
    my $b = code_body(3 * int(($len - $fixed) / 4), %o);
    substr($b, -1, 0) = ' ' x ($len - length $b);
    return $b;
}

# Sends $body to $path (json_put's options in %opt: chunked, piece,
# delay), expects it forwarded with $decision (allow: as sent; rewrite:
# the KMS key added, nothing else changed) and checks the record's
# body_bytes, body_sha256 and forwarded_sha256 against those bytes.
sub check_body_hashes {
    my ($name, $path, $body, $decision, %opt) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $r = $t->json_put($path, $body, { %opt });
    $t->is_status($r, 200, "$name: $decision");

    my $reqs = $t->mock_requests;
    my $got = @$reqs == 1 ? $reqs->[0] : undef;
    ok($got, "$name: the upstream got it once") or diag(scalar @$reqs);
    my $fwd = $got ? $got->{body} : undef;
    ok($got && $got->{sha256} eq sha256_hex($fwd),
       "$name: the mock's own hash agrees with the bytes it recorded");

    my $want = FgsTest::json_decode_big($body);
    if ($decision eq 'rewrite') {
        $want->{code_encrypt_kms_key_id} = $KMS;
        ok(defined $fwd && $fwd ne $body, "$name: a different body went on");
    } else {
        ok(defined $fwd && $fwd eq $body, "$name: forwarded byte for byte");
    }
    is_deeply(defined $fwd ? FgsTest::json_decode_big($fwd) : undef, $want,
              "$name: what went on is what was sent"
              . ($decision eq 'rewrite' ? ' with the KMS key' : ''));

    return check_record($r, "$name: its record",
        decision => $decision, forwarded => JSON::PP::true,
        status => 200, upstream_status => 200,
        body_bytes => length $body, body_sha256 => sha256_hex($body),
        forwarded_sha256 => $decision ne 'rewrite' ? undef
                            : defined $fwd ? sha256_hex($fwd)
                            : 'nothing forwarded',
        rewrites => $decision ne 'rewrite' ? []
                    : [ { rule => 'kms-default',
                          field => 'code_encrypt_kms_key_id',
                          action => 'set_default' } ]);
}

my $kms_tail = ",\"code_encrypt_kms_key_id\":\"$KMS\"";

# 16 KB to 64 KB with a Content-Length: spilled past the 16k buffer,
# hashed in one call
$body = sized_code_body(40000, tail => $kms_tail);
check_body_hashes('40 KB (spilled, one call)', code_path('dev-code'),
                  $body, 'allow');
$body = sized_code_body(40000);
check_body_hashes('40 KB (spilled, one call) without the KMS key',
                  code_path('dev-code'), $body, 'rewrite');

# the last size hashed in one call and the first hashed as it arrives
for my $len (64 * 1024 - 1, 64 * 1024) {
    $body = sized_code_body($len);
    is(length $body, $len, "a body of exactly $len bytes");
    check_body_hashes("$len bytes", code_path('dev-code'), $body,
                      'rewrite');
}

# chunked and small: hashed as it arrives, in chunks of uneven sizes
my @cuts = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89);

sub uneven_pieces {
    my ($s) = @_;

    my @p;
    for (my ($i, $k) = (0, 0); $i < length $s; $k++) {
        push @p, substr($s, $i, $cuts[$k % @cuts]);
        $i += $cuts[$k % @cuts];
    }
    return \@p;
}

$body = config_body();
check_body_hashes('a chunked config body', config_path('dev-reports'),
                  $body, 'allow', chunked => uneven_pieces($body));
$body = config_body(code_encrypt_kms_key_id => undef);
check_body_hashes('a chunked config body without the KMS key, sent '
                  . 'slowly', config_path('dev-reports'), $body, 'rewrite',
                  chunked => uneven_pieces($body), piece => 64,
                  delay => 0.002);
$body = sized_code_body(12000);
check_body_hashes('a chunked 12 KB /code body', code_path('dev-code'),
                  $body, 'rewrite', chunked => 2500);

# chunked and past 64 KB: spilled, hashed as it arrives; 300 KB has the
# state kept at 256 KB, before the edit
for my $len (100 * 1000, 300 * 1000) {
    $body = sized_code_body($len, tail => $kms_tail);
    check_body_hashes("a chunked $len-byte /code body",
                      code_path('dev-code'), $body, 'allow',
                      chunked => 4093);
    $body = sized_code_body($len);
    check_body_hashes("a chunked $len-byte /code body without the KMS key",
                      code_path('dev-code'), $body, 'rewrite',
                      chunked => 4093);
}


# --- deny: nothing forwarded, no intent

$body = config_body(runtime => 'Python2.7', memory_size => 4096);
$r = $t->json_put(config_path('dev-reports'), $body);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'denied');
check_record($r, 'deny: its record',
    decision => 'deny', status => 403, error_code => 'FGSPOL.4030',
    error_msg => qr/^denied by policy: runtime-allowlist/,
    upstream_status => undef, forwarded => JSON::PP::false,
    body_sha256 => sha256_hex($body),
    violations => sub {
        my ($v) = @_;
        my %rules = map { $_->{rule} => $_->{mode} } @{ $v // [] };
        return ($rules{'runtime-allowlist'} // '') eq 'enforce'
               && ($rules{'memory-limit'} // '') eq 'enforce';
    });
ok(!record_of($r, 'intent'), 'no intent for a denied request');
ok(!grep({ $_->{json} && ($_->{json}{request_id} // '') eq
           ($r->header('x-fgs-request-id') // '')
           && exists $_->{json}{intent} } $t->audit_lines($audit)),
   'so its request record is whole, referring to none');


# --- errors before the policy

$r = $t->json_put(config_path('dev-reports'), '{"runtime":"a","runtime":"b"}');
$t->is_fgs_error($r, 400, 'FGSPOL.4000', 'duplicate key');
check_record($r, '4000: its record', decision => 'error', status => 400,
             error_code => 'FGSPOL.4000', forwarded => JSON::PP::false,
             body_bytes => 29);

$r = $t->json_put(config_path('dev-reports'),
                  config_body(memory_size => '512'));
$t->is_fgs_error($r, 400, 'FGSPOL.4001', 'a string for an integer');
check_record($r, '4001: its record', decision => 'error', status => 400,
    error_code => 'FGSPOL.4001',
    violations => sub {
        my ($v) = @_;
        return ref $v eq 'ARRAY' && @$v && !defined $v->[0]{rule}
               && $v->[0]{field} eq 'memory_size';
    });

my $bad_target = "/v2/$P/fgs/functions/" . urn('dev-reports') . '/%63onfig';
$r = $t->json_put($bad_target, config_body());
$t->is_fgs_error($r, 400, 'FGSPOL.4002', 'a percent-encoded target');
check_record($r, '4002: its record', decision => 'error', status => 400,
             error_code => 'FGSPOL.4002', body_bytes => undef,
             body_sha256 => undef, uri => $bad_target);

$r = $t->json_put(config_path('dev-reports'),
                  config_body(description => 'x' x (8 * 1024 * 1024)));
$t->is_fgs_error($r, 413, 'FGSPOL.4130', 'too large');
check_record($r, '413: its record', decision => 'error', status => 413,
             error_code => 'FGSPOL.4130', body_bytes => undef);

$r = $t->json_put(config_path('dev-reports'), config_body(),
                  'Content-Type' => 'text/plain');
$t->is_fgs_error($r, 415, 'FGSPOL.4150', 'text/plain');
check_record($r, '415: its record', decision => 'error', status => 415,
             error_code => 'FGSPOL.4150');

# nginx's own error on a governed path: a broken chunked body
$r = $t->raw("PUT " . config_path('dev-reports') . " HTTP/1.1\r\n"
             . "Host: localhost\r\nContent-Type: application/json\r\n"
             . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
             . "zz\r\n{}\r\n0\r\n\r\n");
$t->is_fgs_error($r, 400, 'FGSPOL.4000', 'a broken chunked body');
check_record($r, 'nginx\'s 400: its record', decision => 'error',
             status => 400, operation => 'config',
             forwarded => JSON::PP::false);


# --- other writes: other_writes audit, forwarded

my $trigger = function_path(urn('dev-reports')) . '/future-api';
$r = $t->json_post($trigger, '{"trigger_type_code":"TIMER","event_data":{}}');
my $mock_status = $r->status;
ok($mock_status && $mock_status != 403, 'a trigger is forwarded');
check_record($r, 'other write: its record', operation => 'other',
             decision => 'audit', status => $mock_status,
             upstream_status => $mock_status, body_bytes => undef,
             forwarded => JSON::PP::true);
ok(record_of($r, 'intent'), 'with its intent');


# --- the upstream is down: 502, never answered

$r = $t->json_put(config_path('dev-down'),
                  config_body(func_name => 'dev-down'));
$t->is_fgs_error($r, 502, 'FGSPOL.5020', 'the upstream is down');
check_record($r, 'upstream down: its record', decision => 'allow',
             status => 502, upstream_status => undef,
             forwarded => JSON::PP::true, error_code => 'FGSPOL.5020');


# --- AK/SK: the access key, never the signature

my $sig = 'f' x 64;
$r = $t->json_put(config_path('dev-reports'), config_body(),
    'X-Auth-Token' => undef,
    'Authorization' => 'SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders='
                       . "content-type;host, Signature=$sig",
    'X-Sdk-Content-Sha256' => 'UNSIGNED-PAYLOAD');
$t->is_status($r, 200, 'an AK/SK request');
check_record($r, 'AK/SK: identity by access key',
             identity => { type => 'aksk', access_key => 'TESTAK',
                           temporary => JSON::PP::false, principals => [] });

for my $scheme ('SDK-HMAC-SM3', 'SDK-ECDSA-P256-SHA256', 'SDK-SM2-SM3') {
    my $unsigned = $scheme =~ /SM3$/ ? 'X-Sdk-Content-Sm3'
                                     : 'X-Sdk-Content-Sha256';
    $r = $t->json_put(config_path('dev-reports'), config_body(),
        'X-Auth-Token' => undef,
        'Authorization' => "$scheme Access=AK${\ length $scheme}X, "
                           . "SignedHeaders=content-type;host, "
                           . "Signature=$sig",
        $unsigned => 'UNSIGNED-PAYLOAD');
    $t->is_status($r, 200, "a request signed with $scheme");
    check_record($r, "$scheme: identity by access key",
                 identity => { type => 'aksk',
                               access_key => 'AK' . length($scheme) . 'X',
                               temporary => JSON::PP::false,
                               principals => [] });
}

# the same parser for the decision and the record: a scheme alone
$r = $t->json_put(config_path('dev-reports'), config_body(),
                  'X-Auth-Token' => undef,
                  'Authorization' => 'SDK-HMAC-SHA256',
                  'X-Sdk-Content-Sha256' => 'UNSIGNED-PAYLOAD');
check_record($r, 'a scheme without parameters: aksk, no access key',
             identity => { type => 'aksk', access_key => undef,
                           temporary => JSON::PP::false, principals => [] });

$r = $t->json_put(config_path('dev-reports'), config_body(),
                  'X-Auth-Token' => undef);
check_record($r, 'no credentials: identity none', identity => 'none');

my $all = FgsTest::slurp($audit);
unlike($all, qr/\Q$sig\E|\Q$TOKEN\E/,
       'no signature and no token in the audit file');


# --- reads and invocations have no record

my $before = () = $t->audit_records('request', $audit);
$t->request(method => 'GET', target => config_path('dev-reports'));
$t->json_post(function_path(urn('dev-reports')) . '/invocations', '{}');
Time::HiRes::sleep(0.3);
my $after = () = $t->audit_records('request', $audit);
is($after, $before, 'reads and invocations are not recorded');


# --- the whole file

my @lines = $t->audit_lines($audit);
ok(!grep({ !$_->{json} } @lines), 'every line is one JSON object');
ok(!grep({ $_->{raw} !~ /\n\z/ } @lines), 'every line ends with a newline');
is(scalar $t->audit_records('request', $audit), $governed,
   "one request record per governed request ($governed)");

($rc, $out) = $t->verify_audit('--live', $audit);
is($rc, 0, 'verify-audit --live: intact while nginx runs') or diag($out);
like($out, qr/^audit OK: \d+ records, 1 chains \(0 ended, 1 open\)/m,
     'one open chain') or diag($out);

($rc, $out) = $t->verify_audit($audit);
isnt($rc, 0, 'without --live the open chain counts as cut short');

$t->finish;

@lines = $t->audit_lines($audit);
is($lines[-1]{json}{kind}, 'end', 'the worker ended its chain on exit');
($rc, $out) = $t->verify_audit($audit);
is($rc, 0, 'verify-audit after the stop: intact, every chain ended')
    or diag($out);
like($out, qr/1 chains \(1 ended, 0 open\)/, 'one ended chain') or diag($out);

done_testing;

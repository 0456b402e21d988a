# Redaction (docs/security.md, "Redaction of secrets in logs"): what is
# never written — tokens, signatures, user_data, encrypted_user_data,
# func_code.file, header values that carry credentials — reaches no file the
# gateway writes: the audit log, the error log at the debug level (where
# nginx itself prints every request header, the proxied header and HTTP/2's
# tables), an access log of every $fgs_policy_* variable.  Canary values are
# sent in each such place, over HTTP/1.1 and HTTP/2, in allowed, rewritten,
# audited, denied and refused requests and in a malformed header line, and
# every file under the prefix is searched for them.

use strict;
use warnings;

use Test::More;
use File::Find;
use Time::HiRes ();

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $h2port = FgsTest::free_port();

my $server = <<'CONF';
    listen 127.0.0.1:%%H2PORT%% http2;
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    access_log %%PREFIX%%/logs/vars.log vars;
    location / {
        %%PROXY%%
    }
CONF

my $http = <<'CONF';
    log_format vars escape=json
        '{"op":"$fgs_policy_operation","decision":"$fgs_policy_decision",'
        '"rules":"$fgs_policy_rules","project":"$fgs_policy_project_id",'
        '"urn":"$fgs_policy_function_urn","status":"$status",'
        '"request":"$request"}';
CONF

my $t = FgsTest->new(server => $server, http => $http, log_level => 'debug',
                     vars => { H2PORT => $h2port });
$t->start;

my $P = PROJECT;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(map { urn($_) } qw(dev-reports prod-orders));

# the canaries: distinct, and found nowhere else
my $tag = sprintf('%08x', int(rand(0xffffffff)));
my %canary = (
    token     => "CanaryTok${tag}Aa1",
    h2token   => "CanaryHtwo${tag}Bb2",
    signature => "c0ffee${tag}" . ('d' x 48),
    user_data => "password=CanaryUd${tag}",
    encrypted => "CanaryEud${tag}",
    file_raw  => "CanaryFile${tag}ZipBytes",
    cookie    => "CanaryCookie${tag}",
    security  => "CanarySec${tag}",
    proxyauth => "CanaryProxyAuth${tag}",
    badline   => "CanaryBadLine${tag}",
);
$canary{file_b64} = encode_base64($canary{file_raw}, '');
$canary{file_b64} =~ s/=+$//;

sub config_body {
    my (%o) = @_;
    return config_json('dev-reports', code_encrypt_kms_key_id => $KMS,
                       user_data => $canary{user_data},
                       encrypted_user_data => $canary{encrypted}, %o);
}

my @creds = ('X-Auth-Token' => $canary{token},
             'Cookie' => "session=$canary{cookie}",
             'X-Security-Token' => $canary{security},
             'Proxy-Authorization' => "Basic $canary{proxyauth}");
my $r;

# allowed (user_data audited by no-plaintext-secrets), rewritten, denied
$r = $t->json_put(config_path('dev-reports'), config_body(), @creds);
is($r->header('x-fgs-decision') // $r->status, 200, 'audited and forwarded')
    if 0;
$t->is_status($r, 200, 'audited: user_data with a secret, forwarded');

$r = $t->json_put(config_path('dev-reports'),
                  config_body(code_encrypt_kms_key_id => undef), @creds);
$t->is_status($r, 200, 'rewritten');

$r = $t->json_put(config_path('prod-orders'),
                  config_body(func_name => 'prod-orders',
                              runtime => 'Python2.7'), @creds);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'denied');

# refused before the policy: user_data over 4 KB, a bad file
$r = $t->json_put(config_path('dev-reports'),
    config_body(user_data => $canary{user_data} . ('x' x 5000)), @creds);
$t->is_fgs_error($r, 400, 'FGSPOL.4001', 'user_data too long');

my $code = '{"code_type":"zip","code_filename":"index.zip",'
           . "\"code_encrypt_kms_key_id\":\"$KMS\","
           . "\"func_code\":{\"file\":\"$canary{file_b64}\"}}";
$r = $t->json_put(code_path('dev-reports'), $code, @creds);
ok($r->status == 200 || $r->status == 400,
   'code with the canary file: answered (' . $r->status . ')');

$r = $t->json_put(code_path('dev-reports'),
                  '{"code_type":"zip","code_filename":"index.zip",'
                  . "\"func_code\":{\"file\":\"$canary{file_b64}!!\"}}",
                  @creds);
$t->is_fgs_error($r, 400, qr/^FGSPOL\.400[01]$/, 'a file that is not base64');

# AK/SK: the signature; unsigned payload so that it is forwarded
$r = $t->json_put(config_path('dev-reports'), config_body(),
    'X-Auth-Token' => undef,
    'Authorization' => 'SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders='
                       . "content-type;host, Signature=$canary{signature}",
    'X-Sdk-Content-Sha256' => 'UNSIGNED-PAYLOAD');
$t->is_status($r, 200, 'an AK/SK request');

# a signed body that would need a rewrite: 4031
$r = $t->json_put(config_path('dev-reports'),
    config_body(code_encrypt_kms_key_id => undef),
    'X-Auth-Token' => undef,
    'Authorization' => 'SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders='
                       . "content-type;host, Signature=$canary{signature}");
$t->is_fgs_error($r, 403, 'FGSPOL.4031', 'a signed body to rewrite');

# a malformed header line that nginx quotes in its log
$r = $t->raw("PUT " . config_path('dev-reports') . " HTTP/1.1\r\n"
             . "Host: localhost\r\nContent-Type: application/json\r\n"
             . "X-Auth-Token : $canary{badline}\r\n"
             . "X_Auth_Token: $canary{badline}\r\n"
             . "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
ok($r->status, 'a request with malformed token header lines is answered');

# HTTP/2: the token through HPACK
my $spec = $t->prefix . '/data/h2.json';
FgsTest::spew($spec, json_encode([
    { method => 'PUT', path => config_path('dev-reports'),
      headers => { 'content-type' => 'application/json',
                   'authorization' => 'SDK-HMAC-SHA256 Access=TESTAK, '
                       . "Signature=$canary{signature}",
                   'x-sdk-content-sha256' => 'UNSIGNED-PAYLOAD' },
      body_b64 => encode_base64(config_body(), '') },
    { method => 'PUT', path => config_path('dev-reports'),
      headers => { 'content-type' => 'application/json',
                   'x-auth-token' => $canary{h2token} },
      body_b64 => encode_base64(config_body(), '') } ]));
my $h2out = $t->prefix . '/data/h2.out';
FgsTest::run_cmd(['node', data_path('bypass/h2-request.js'), $h2port, $spec],
                 $h2out, 30);
like(FgsTest::slurp($h2out), qr/"status":200.*"status":200/s,
     'two HTTP/2 requests, with the signature and with the '
     . 'token, answered 200')
    or diag(FgsTest::slurp($h2out));

Time::HiRes::sleep(0.3);
$t->finish;

# --- every file under the prefix, but the mock's own log (it stands for
# FunctionGraph, which is meant to get the credentials) and the data
# files this test wrote to send the HTTP/2 requests

my %files;
find({ no_chdir => 1, wanted => sub {
    return unless -f $_;
    return if m{/logs/mock\.log$} || m{/data/h2\.(json|out)$};
    $files{$_} = FgsTest::slurp($_);
} }, $t->prefix);

ok(scalar(keys %files) >= 5, 'the gateway wrote ' . scalar(keys %files)
                             . ' files') or diag(join "\n", keys %files);

my $error_log = $files{ $t->error_log_path } // '';
like($error_log, qr/\[debug\]/, 'the error log is at the debug level');
like($error_log, qr/http header: "X-Auth-Token: \[redacted\]"/,
     'nginx\'s own header lines were there, redacted');
like($error_log, qr/http proxy header:.*X-Auth-Token: \[redacted\]/s,
     'the proxied header too');
like($error_log, qr/x-auth-token: \[redacted\]/i,
     'and HTTP/2\'s');
like($files{ $t->prefix . '/logs/audit.log' } // '', qr/"kind":"request"/,
     'the audit log has records');
like($files{ $t->prefix . '/logs/vars.log' } // '', qr/"decision":"deny"/,
     'the variables were logged');

for my $what (sort keys %canary) {
    my $c = $canary{$what};
    my @found = grep { index($files{$_}, $c) >= 0 } sort keys %files;
    ok(!@found, "the $what canary is in no file")
        or diag("found in: @found\n" . join "\n",
                map { my $f = $files{$_}; my $i = index($f, $c);
                      "$_: ..." . substr($f, $i > 200 ? $i - 200 : 0, 400) }
                @found);
}

done_testing;

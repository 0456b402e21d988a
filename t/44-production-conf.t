# conf/nginx-production.conf (docs/deployment.md): nginx -t accepts it as
# shipped, with the system CA bundle, once the site's paths point into a
# private prefix, the endpoint's name into loopback (nginx resolves an
# upstream's name at configuration time, and a test has no DNS) and the
# certificates at throwaway ones made here with openssl; its process
# limits as shipped, with nginx run under the default limit of 1024 open
# files (prlimit), without an [alert] or a warning about them.  Then it
# serves:
# over TLS (HTTP/1.1 and HTTP/2) to a stand-in for the regional endpoint
# whose certificate is checked against proxy_ssl_name, audits to the file
# only (a node's rsyslog ships it: conf/rsyslog/), or also to syslog once
# the commented live feed is switched on as its comment says, and shows
# its metrics to this host only.  With the system
# CA bundle, which does not trust the stand-in, nothing is forwarded:
# proxy_ssl_verify is on.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $ENDPOINT = 'functiongraph.cn-north-4.myhuaweicloud.com';
my $CONF = "$FgsTest::ROOT/conf/nginx-production.conf";

my $t = FgsTest->new;
my $p = $t->prefix;
my $shipped = FgsTest::slurp($CONF);

# --- what the file promises, read off the file itself

like($shipped,
     qr/^\s*upstream functiongraph \{\s*\n\s*server\s+\Q$ENDPOINT\E:443;/m,
     'the upstream is the regional endpoint, on 443');
like($shipped, qr{^\s*proxy_pass\s+https://functiongraph;}m, 'over TLS');
like($shipped, qr/^\s*proxy_ssl_server_name\s+on;/m, 'with SNI');
like($shipped, qr/^\s*proxy_ssl_name\s+\Q$ENDPOINT\E;/m,
     'naming the endpoint, not the upstream block');
like($shipped, qr/^\s*proxy_ssl_verify\s+on;/m, 'verifying its certificate');
my $bundle = '/etc/ssl/certs/ca-certificates.crt';
like($shipped, qr{^\s*proxy_ssl_trusted_certificate\s+\Q$bundle\E;}m,
     'against the system CA bundle');
like($shipped, qr/^\s*proxy_request_buffering\s+on;/m,
     'the whole body is read before it goes upstream');

my ($client_max) = $shipped =~ /^\s*client_max_body_size\s+(\d+)m;/m;
my ($fgs_max) = $shipped =~ /^\s*fgs_policy_max_body_size\s+(\d+)m;/m;
ok(defined $client_max && defined $fgs_max && $client_max >= $fgs_max,
   'client_max_body_size is at least fgs_policy_max_body_size');
like($shipped, qr/^\s*client_body_buffer_size\s+\d+k;/m,
     'a small body buffer: code packages spill to temp files');

my ($gw_server)
    = $shipped =~ /(\n    server \{\n        listen\s+443 .*?\n    \})/s;
ok($gw_server, 'the TLS server for clients');
$gw_server //= '';
like($gw_server, qr/^        fgs_policy\s+\S+;/m,
     'the policy at server level');
unlike($gw_server, qr/^\s+location[^\n]*\{(?:[^{}]*)\bfgs_policy\s+off;/m,
       'no location switches it off');
like($gw_server, qr/^        fgs_policy_audit_log\s+\/\S+;/m,
     'audit to a file');
unlike($gw_server, qr/^\s*fgs_policy_audit_log\s+syslog:/m,
       'and to no collector: a collector outage, or a collector\'s name that '
       . 'does not resolve, cannot refuse a change or stop nginx');
like($gw_server, qr/^\s*#fgs_policy_audit_log\s+syslog:server=\d+\.\d+\.\d+\.\d+,\S+\s+best_effort;/m,
     'the live feed it offers is best_effort, to an address');
my ($conns) = $shipped =~ /^\s*worker_connections\s+(\d+);/m;
ok(defined $conns && $conns <= 1024,
   'worker_connections within the default limit of 1024 open files');
unlike($shipped, qr/^\s*worker_rlimit_nofile\b/m,
       'no worker_rlimit_nofile, which fails where the hard limit is lower');
like($shipped, qr{^\s*fgs_policy_audit_log\s+/var/log/fgs-policy/\S+\.log;}m,
     'the audit file out of /var/log/nginx/*.log, which Debian\'s '
     . 'logrotate rule compresses and deletes');

like($shipped, qr/location\s+=\s+\/metrics\s+\{\s*allow\s+127\.0\.0\.1;
                  \s*deny\s+all;\s*fgs_policy_metrics;/x,
     'metrics for this host only');


# --- certificates: a CA, and one certificate for the endpoint's name and
#     the gateway's

sub openssl {
    my (@args) = @_;
    my $out = "$p/logs/openssl.out";
    my $rc = FgsTest::run_cmd(['openssl', @args], $out, 60);
    is($rc, 0, "openssl $args[0]") or diag(FgsTest::slurp($out));
}

my $tls = "$p/conf/tls";
mkdir $tls;
FgsTest::spew("$tls/ext.cnf", "subjectAltName=DNS:$ENDPOINT,"
                              . "DNS:fgs-gateway.example.internal\n");
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', "$tls/ca.key",
        '-out', "$tls/ca.crt", '-days', '2', '-subj', '/CN=fgs test CA');
openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-nodes', '-keyout', "$tls/gateway.key", '-out', "$tls/gateway.csr",
        '-subj', "/CN=$ENDPOINT");
openssl('x509', '-req', '-in', "$tls/gateway.csr", '-CA', "$tls/ca.crt",
        '-CAkey', "$tls/ca.key", '-CAcreateserial', '-days', '2',
        '-extfile', "$tls/ext.cnf", '-out', "$tls/gateway.crt");


# --- the file with the site's names pointed into this test

my $gw_port = $t->port;
my $fg_port = FgsTest::free_port();
my $metrics_port = FgsTest::free_port();

my $syslog = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Proto => 'udp')
    or die "udp: $!";
my $syslog_port = $syslog->sockport;

# each replacement must match exactly once: a changed file fails here
# whether the nginx under test is at least version a.b.c
sub nginx_at_least {
    my @want = @_;
    my ($v) = qx{$FgsTest::NGINX -v 2>&1} =~ m{nginx/(\d+\.\d+\.\d+)};
    my @have = split /\./, $v // '0.0.0';
    for my $k (0 .. 2) {
        return $have[$k] > $want[$k] if $have[$k] != $want[$k];
    }
    return 1;
}

sub localise {
    my ($conf, $trust) = @_;

    # nginx 1.25.1 and later deprecate "listen ... http2" with a warning:
    # there the form docs/operations.md gives, "listen ... ssl; http2 on;",
    # is tested
    my $h2_listen = nginx_at_least(1, 25, 1)
        ? "listen 127.0.0.1:$gw_port ssl;\n        http2 on;"
        : "listen 127.0.0.1:$gw_port ssl http2;";

    my $user = $> == 0 ? 'user root root;' : '';
    my @subst = (
        # the harness runs nginx in the foreground
        [ qr{include\s+/etc/nginx/modules-enabled/\*\.conf;},
          "load_module $FgsTest::MODULE;\ndaemon off;" ],
        [ qr{user\s+www-data;}, $user ],
        [ qr{pid\s+/run/nginx\.pid;}, "pid $p/logs/nginx.pid;" ],
        [ qr{error_log\s+/var/log/nginx/error\.log},
          "error_log $p/logs/error.log" ],
        [ qr{access_log\s+/var/log/nginx/}, "access_log $p/logs/" ],
        [ qr{fgs_policy_audit_log\s+/var/log/fgs-policy/},
          "fgs_policy_audit_log $p/logs/fgs-" ],
        # the live feed switched on, as its comment says it may be
        [ qr{#fgs_policy_audit_log\s+syslog:server=[^,;]+},
          "fgs_policy_audit_log syslog:server=127.0.0.1:$syslog_port" ],
        [ qr{server\s+\Q$ENDPOINT\E:443;}, "server 127.0.0.1:$fg_port;" ],
        [ qr{listen\s+443 ssl http2;}, $h2_listen ],
        [ qr{listen\s+127\.0\.0\.1:9145;}, "listen 127.0.0.1:$metrics_port;" ],
        [ qr{ssl_certificate\s+/etc/nginx/fgs/tls/},
          "ssl_certificate $tls/" ],
        [ qr{ssl_certificate_key\s+/etc/nginx/fgs/tls/},
          "ssl_certificate_key $tls/" ],
        [ qr{fgs_policy\s+/etc/nginx/fgs/policy\.json;},
          "fgs_policy $FgsTest::ROOT/conf/policy.json;" ],
        # temp files in the prefix
        [ qr{\nhttp \{\n}, "\nhttp {\n    client_body_temp_path $p/body;\n"
                           . "    proxy_temp_path $p/proxy;\n"
                           . "    fastcgi_temp_path $p/fastcgi;\n"
                           . "    uwsgi_temp_path $p/uwsgi;\n"
                           . "    scgi_temp_path $p/scgi;\n" ],
    );
    push @subst, [ qr{/etc/ssl/certs/ca-certificates\.crt}, $trust ]
        if defined $trust;

    my @bad;
    for my $s (@subst) {
        my ($re, $with) = @$s;
        push @bad, "$re" unless $conf =~ s/$re/$with/;
    }
    ok(!@bad, 'the site\'s names are found and replaced')
        or diag(join "\n", @bad);

    # the stand-in for the regional endpoint: TLS with a certificate for
    # its name, in front of the mock FunctionGraph
    my $stand_in = <<"EOF";

    server {
        listen 127.0.0.1:$fg_port ssl;
        ssl_certificate $tls/gateway.crt;
        ssl_certificate_key $tls/gateway.key;
        access_log $p/logs/stand-in.log;
        location / {
            proxy_pass http://127.0.0.1:${\ $t->mock_port };
            proxy_set_header Host \$http_host;
        }
    }
}
EOF
    $conf =~ s/\}\s*\z/$stand_in/;
    return $conf;
}


# nginx under the limit a host gives a process by default: 1024 open
# files, soft and hard.  What nginx alone runs with (LD_PRELOAD of a
# sanitizer build) is set by env(1) after prlimit, not for prlimit.
my @limit = ('prlimit', '--nofile=1024:1024', '--');
sub limited {
    my $env = $t->nginx_env // {};
    my @env = map { "$_=$env->{$_}" } sort keys %$env;
    return [@limit, (@env ? ('env', @env) : ()), @{ $t->nginx_argv(@_) }];
}

# --- nginx -t: the shipped file, the system CA bundle

my $conf_t = localise($shipped, undef);
FgsTest::spew("$p/conf/production-t.conf", $conf_t);
my $rc = FgsTest::run_cmd(limited('-t', '-p', "$p/", '-c',
                                  "$p/conf/production-t.conf",
                                  '-e', "$p/logs/t-production.log"),
                          "$p/logs/t-production.out", 30);
my $said = FgsTest::slurp("$p/logs/t-production.out");
is($rc, 0, 'nginx -t accepts the production configuration') or diag($said);
like($said, qr/test is successful/, 'and says so');
unlike($said, qr/\[(?:alert|emerg|crit|warn)\]/,
       'without an alert or a warning') or diag($said);


# --- it serves

$t->start_mock;
$t->seed_functions(urn('prod-orders'));

sub start_production {
    my ($conf) = @_;

    FgsTest::spew("$p/conf/production.conf", $conf);
    $t->{nginx_pid} = FgsTest::spawn(limited('-p', "$p/", '-c',
                                             "$p/conf/production.conf",
                                             '-e', "$p/logs/error.log"),
                                     "$p/logs/nginx.stderr");
    ok(FgsTest::wait_port($gw_port, $t->{nginx_pid}, 15)
       && FgsTest::wait_port($metrics_port, $t->{nginx_pid}, 5),
       'nginx runs it')
        or diag(FgsTest::slurp("$p/logs/nginx.stderr"));
}

# (status, { lc header => value }, body) of a request with curl
my $ncurl = 0;
sub curl {
    my (%o) = @_;

    my $n = ++$ncurl;
    my @argv = ('curl', '-sS', '--max-time', '20', '-o', "$p/logs/curl-$n.body",
                '-D', "$p/logs/curl-$n.head", '-w', '%{http_code}');
    if ($o{url} =~ /^https:/) {
        push @argv, '--cacert', "$tls/ca.crt",
                    '--resolve', "$ENDPOINT:$gw_port:127.0.0.1";
    }
    push @argv, $o{http2} ? '--http2' : '--http1.1';
    push @argv, '--interface', $o{from} if $o{from};
    push @argv, '-X', $o{method} if $o{method};
    for my $h (@{ $o{headers} // [] }) {
        push @argv, '-H', $h;
    }
    if (defined $o{body}) {
        FgsTest::spew("$p/logs/curl-$n.in", $o{body});
        push @argv, '--data-binary', "\@$p/logs/curl-$n.in";
    }
    push @argv, $o{url};

    $t->mock_clear;
    my $rc = FgsTest::run_cmd(\@argv, "$p/logs/curl-$n.out", 30);
    my $status = FgsTest::slurp("$p/logs/curl-$n.out");
    my %h;
    if (-f "$p/logs/curl-$n.head") {
        for (split /\r?\n/, FgsTest::slurp("$p/logs/curl-$n.head")) {
            $h{ lc $1 } = $2 if /^([^:\s]+):\s*(.*)$/;
        }
    }
    my $body = -f "$p/logs/curl-$n.body"
               ? FgsTest::slurp("$p/logs/curl-$n.body") : '';
    diag("curl: $status") if $rc != 0;
    return ($rc == 0 ? $status : "curl failed ($rc)", \%h, $body);
}

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my $config = config_path('prod-orders');
my $url = "https://$ENDPOINT:$gw_port$config";
my @json = ('Content-Type: application/json',
            'X-Auth-Token: MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglg');
my $good = canonical_json({ func_name => 'prod-orders',
    runtime => 'Python3.12', handler => 'index.handler', memory_size => 512,
    timeout => 30, code_encrypt_kms_key_id => $KMS,
    func_vpc => { vpc_id => 'vpc-0a1b2c', subnet_id => 'subnet-7d8e9f' } });
my $bad = canonical_json({ func_name => 'prod-orders',
    runtime => 'Python2.7', handler => 'index.handler', memory_size => 512,
    timeout => 30, code_encrypt_kms_key_id => $KMS,
    func_vpc => { vpc_id => 'vpc-0a1b2c', subnet_id => 'subnet-7d8e9f' } });

start_production(localise($shipped, "$tls/ca.crt"));

my @workers = $t->worker_pids;
ok(@workers, 'its workers run');
my $limits = -r "/proc/$workers[0]/limits"
             ? FgsTest::slurp("/proc/$workers[0]/limits") : '';
like($limits, qr/^Max open files\s+1024\s+1024\s/m,
     'a worker runs with 1024 open files at most') or diag($limits);

my ($status, $h, $body) = curl(method => 'PUT', url => $url,
                               headers => \@json, body => $good);
is($status, 200, 'an allowed config goes through, TLS both ways')
    or diag($body);
my $recs = $t->mock_requests;
is(scalar @$recs, 1, 'the endpoint got it');
if (@$recs) {
    ok($recs->[0]{body} eq $good, 'byte for byte');
    is($recs->[0]{headers}{host}, "$ENDPOINT:$gw_port",
       'with the Host header the client sent (and signed)');
}

($status, $h, $body) = curl(method => 'PUT', url => $url, http2 => 1,
                            headers => \@json, body => $good);
is($status, 200, 'over HTTP/2 too') or diag($body);

($status, $h, $body) = curl(method => 'PUT', url => $url,
                            headers => \@json, body => $bad);
is($status, 403, 'a denied config is refused');
my $e = eval { json_decode($body) } // {};
is($e->{error_code}, 'FGSPOL.4030', 'FGSPOL.4030');
is(scalar @{ $t->mock_requests }, 0, 'and not forwarded');
is($h->{'content-type'}, 'application/json', 'as JSON');

# the access log format: JSON with the decision
my $access = '';
for (1 .. 100) {
    $access = -f "$p/logs/fgs-access.log"
              ? FgsTest::slurp("$p/logs/fgs-access.log") : '';
    last if ($access =~ tr/\n//) >= 3;
    sleep 0.05;
}
my @lines = map { eval { json_decode($_) } } split /\n/, $access;
is(scalar @lines, 3, 'three JSON access log lines') or diag($access);
is_deeply([ map { $_->{decision} } @lines ], [qw(allow allow deny)],
          'with the decisions');
is($lines[2]{rules}, 'runtime-allowlist', 'and the rule')
    if @lines == 3;

# the audit: records of the allowed and the denied requests, in the file
# and by syslog (how many records a request makes is the audit's own
# business: docs/audit.md)
my $audit = '';
for (1 .. 100) {
    $audit = -f "$p/logs/fgs-audit.log"
             ? FgsTest::slurp("$p/logs/fgs-audit.log") : '';
    last if $audit =~ /"decision":"deny"/;
    sleep 0.05;
}
my @records = map { eval { json_decode($_) } } split /\n/, $audit;
ok(@records && !grep({ ref $_ ne 'HASH' } @records),
   'the audit file holds JSON records') or diag($audit);
my %decided = map { ($_->{decision} // '') => 1 } grep { ref } @records;
ok($decided{allow} && $decided{deny},
   'of the allowed and the denied requests') or diag($audit);

my @datagrams;
my $deadline = time + 5;
while (!grep({ /"decision":"deny"/ } @datagrams) && time < $deadline) {
    my $rin = '';
    vec($rin, fileno($syslog), 1) = 1;
    next unless select(my $rout = $rin, undef, undef, 0.2);
    my $d;
    $syslog->recv($d, 65536);
    push @datagrams, $d;
}
ok((grep { /"decision":"allow"/ } @datagrams)
   && (grep { /"decision":"deny"/ } @datagrams),
   'the same records sent to syslog') or diag(join "\n", @datagrams);
ok(!grep({ !/^<\d+>.* fgs_policy: \{.*\}$/ } @datagrams),
   'each one datagram, tagged, with one record');

# metrics: this host only
($status, $h, $body) = curl(url => "http://127.0.0.1:$metrics_port/metrics");
is($status, 200, 'the metrics answer on 127.0.0.1');
my $requests = 'fgs_policy_requests_total{operation="config",decision=';
like($body, qr/^\Q$requests"deny"}\E 1$/m, 'with the denial counted');
like($body, qr/^\Q$requests"allow"}\E 2$/m, 'and the two allowed configs');
($status) = curl(url => "http://127.0.0.1:$metrics_port/metrics",
                 from => '127.0.0.2');
is($status, 403, 'but not to another address');
($status) = curl(url => "https://$ENDPOINT:$gw_port/metrics");
is($status, 404, 'nor on the clients\' server');
($status, $h, $body) = curl(url => "https://$ENDPOINT:$gw_port/healthz");
is($status, 200, 'the health check answers');
is(scalar @{ $t->mock_requests }, 0, 'by itself');

# governed requests in flight per client: 16 (limit_conn; each HTTP/2
# stream counts).  Sixteen TLS connections hold a request whose body is
# still to come; the seventeenth is refused with 503 FGSPOL.5031.
{
    require IO::Socket::SSL;
    my @held;
    my $head = "PUT $config HTTP/1.1\r\nHost: $ENDPOINT\r\n"
               . "Content-Type: application/json\r\n"
               . "X-Auth-Token: MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTAL\r\n"
               . 'Content-Length: ' . length($good) . "\r\n\r\n";
    for (1 .. 16) {
        my $c = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $gw_port,
                                     SSL_hostname => $ENDPOINT,
                                     SSL_ca_file => "$tls/ca.crt",
                                     Timeout => 5)
            or last;
        print $c $head . substr($good, 0, 10);
        push @held, $c;
    }
    is(scalar @held, 16, 'sixteen requests held by one client');
    select(undef, undef, undef, 0.3);
    ($status, $h, $body) = curl(method => 'PUT', url => $url,
                                headers => \@json, body => $good);
    is($status, 503, 'the seventeenth at once is refused: 503');
    $e = eval { json_decode($body) } // {};
    is($e->{error_code}, 'FGSPOL.5031', 'FGSPOL.5031');
    close $_ for @held;
    select(undef, undef, undef, 0.3);
    ($status) = curl(method => 'PUT', url => $url, headers => \@json,
                     body => $good);
    is($status, 200, 'once they are gone, the client is served again');
}

my $elog = $t->error_log;
unlike($elog, qr/\[alert\]/, 'no [alert] in the error log') or diag($elog);
unlike($elog, qr/open file resource limit|setrlimit/,
       'nothing about the open file limit') or diag($elog);
ok(FgsTest::stop_pid($t->{nginx_pid}, 10), 'stopped');
delete $t->{nginx_pid};


# --- the system CA bundle does not trust the stand-in: nothing forwarded

start_production(localise($shipped, undef));
($status, $h, $body) = curl(method => 'PUT', url => $url,
                            headers => \@json, body => $good);
is($status, 502, 'an endpoint whose certificate does not verify: 502');
$e = eval { json_decode($body) } // {};
is($e->{error_code}, 'FGSPOL.5020', 'FGSPOL.5020');
is(scalar @{ $t->mock_requests }, 0, 'nothing reached the mock');
like($t->error_log, qr/upstream SSL certificate verify error/,
     'nginx says why');

$t->finish(allow => [ qr/upstream SSL certificate verify error/ ]);
done_testing;

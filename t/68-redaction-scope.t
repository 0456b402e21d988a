# Where credentials are redacted from the error log
# (fgs_policy_redact_log): in the logs of servers and locations that a
# policy governs and of those where the directive says "on", in the log
# of the default server of an address that such a server listens on, and
# in the main error log; not in the log of a server that has no policy
# and does not ask for it, nor where the directive says "off".
#
# Each server logs to its own file at the debug level, where nginx
# prints every request header ("http header: ..."), and every nginx has
# the line at "info" that quotes a malformed header line, so the test
# holds for an nginx built without debug logging too.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my %port = map { $_ => FgsTest::free_port() }
           qw(PLAIN ON OFF LOC SHARED INHERIT);

my $http = <<'CONF';
    # no policy, a log of its own: written as nginx writes it
    server {
        listen 127.0.0.1:%%PLAIN%%;
        error_log %%PREFIX%%/logs/plain.log debug;
        location / { return 204; }
    }

    # no policy, redaction asked for
    server {
        listen 127.0.0.1:%%ON%%;
        error_log %%PREFIX%%/logs/on.log debug;
        fgs_policy_redact_log on;
        location / { return 204; }
    }

    # a policy, redaction turned off
    server {
        listen 127.0.0.1:%%OFF%%;
        error_log %%PREFIX%%/logs/off.log debug;
        fgs_policy %%POLICY%%;
        fgs_policy_redact_log off;
        location / {
            %%PROXY%%
        }
    }

    # a policy in a location only: the server's log, where the header
    # lines are written before the location is known, is redacted too
    server {
        listen 127.0.0.1:%%LOC%%;
        error_log %%PREFIX%%/logs/loc.log debug;
        location /v2/ {
            fgs_policy %%POLICY%%;
            %%PROXY%%
        }
        location / { return 204; }
    }

    # one address, two servers: the default one has no policy, the named
    # one has; the header lines before Host go to the default's log
    server {
        listen 127.0.0.1:%%SHARED%% default_server;
        server_name default.test;
        error_log %%PREFIX%%/logs/default.log debug;
        location / { return 204; }
    }

    server {
        listen 127.0.0.1:%%SHARED%%;
        server_name fgs.test;
        error_log %%PREFIX%%/logs/named.log debug;
        fgs_policy %%POLICY%%;
        location / {
            %%PROXY%%
        }
    }

    # no policy, no log of its own: the main error log, which is redacted
    # as soon as any server redacts
    server {
        listen 127.0.0.1:%%INHERIT%%;
        location / { return 204; }
    }
CONF

my $t = FgsTest->new(http => $http, log_level => 'debug', vars => \%port);

# --- the directive's contexts and values

my ($rc, $out) = $t->nginx_t(http => "fgs_policy_redact_log on;",
    server => <<'CONF');
    fgs_policy_redact_log off;
    location / {
        fgs_policy_redact_log on;
        %%PROXY%%
    }
CONF
is($rc, 0, 'fgs_policy_redact_log in http, server and location')
    or diag($out);

($rc, $out) = $t->nginx_t(server => "fgs_policy_redact_log maybe;\n"
                                    . "location / { %%PROXY%% }");
ok($rc != 0 && $out =~ /fgs_policy_redact_log/ && $out =~ /maybe/,
   'nginx -t refuses fgs_policy_redact_log maybe') or diag($out);

($rc, $out) = $t->nginx_t(server => "fgs_policy_redact_log on;\n"
                                    . "fgs_policy_redact_log off;\n"
                                    . "location / { %%PROXY%% }");
ok($rc != 0 && $out =~ /is duplicate/,
   'nginx -t refuses fgs_policy_redact_log twice in one context')
    or diag($out);

# --- one request per server, with a credential before and after Host

$t->start;

my $tag = sprintf('%08x', int(rand(0xffffffff)));
my $path = function_path(urn('fn-test')) . '/config';

sub send_creds {
    my ($what, $port, $host) = @_;

    my $canary = "Canary${what}${tag}";
    my $r = $t->raw("GET $path HTTP/1.1\r\n"
                    . "X-Auth-Token: $canary\r\n"
                    . "Host: $host\r\n"
                    . "X_Auth_Token: $canary\r\n"
                    . "Cookie: session=$canary\r\n"
                    . "Connection: close\r\n\r\n", port => $port);
    ok($r->status, "$what: answered (" . $r->status . ')');
    return $canary;
}

my %canary;
$canary{plain} = send_creds('Plain', $port{PLAIN}, 'localhost');
$canary{on} = send_creds('On', $port{ON}, 'localhost');
$canary{off} = send_creds('Off', $port{OFF}, 'localhost');
$canary{loc} = send_creds('Loc', $port{LOC}, 'localhost');
$canary{shared} = send_creds('Shared', $port{SHARED}, 'fgs.test');
$canary{inherit} = send_creds('Inherit', $port{INHERIT}, 'localhost');
$canary{main} = send_creds('Main', $t->port, 'localhost');

# a reload that turns redaction on in the server that had none
my $plain_mark = -s $t->prefix . '/logs/plain.log';
(my $http_on = $http) =~ s{(logs/plain\.log debug;\n)}
                          {$1        fgs_policy_redact_log on;\n};
ok($t->reload(http => $http_on), 'reload: fgs_policy_redact_log on in the '
                                 . 'server without a policy');
$canary{reloaded} = send_creds('Reloaded', $port{PLAIN}, 'localhost');

$t->finish;

my $logs = $t->prefix . '/logs';
my %log = map { $_ => (-f "$logs/$_.log" ? FgsTest::slurp("$logs/$_.log")
                                         : '') }
          qw(plain on off loc default named error);

my $debug = $log{plain} =~ /\[debug\]/;

$log{reloaded} = substr($log{plain}, $plain_mark);
$log{plain} = substr($log{plain}, 0, $plain_mark);
diag('this nginx has no debug log: the "info" lines are tested alone')
    unless $debug;

# in the clear, where nothing redacts

sub shown {
    my ($file, $canary, $name) = @_;

    subtest $name => sub {
        like($log{$file},
             qr/invalid header line: "X_Auth_Token: \Q$canary\E"/,
             'the malformed header line, quoted at "info"');
        like($log{$file}, qr/http header: "X-Auth-Token: \Q$canary\E"/,
             'the header, at "debug"') if $debug;
        unlike($log{$file}, qr/\[redacted\]/, 'nothing redacted');
    };
}

sub redacted {
    my ($file, $canary, $name) = @_;

    subtest $name => sub {
        like($log{$file},
             qr/invalid header line: "X_Auth_Token: \[redacted\]"/,
             'the malformed header line, redacted');
        like($log{$file}, qr/http header: "Cookie: \[redacted\]"/,
             'the header, redacted') if $debug;
        unlike($log{$file}, qr/\Q$canary\E/, 'the credential is nowhere');
    };
}

shown('plain', $canary{plain},
      'a server without a policy: its log as nginx writes it');
shown('off', $canary{off},
      'a server with a policy and fgs_policy_redact_log off');
redacted('on', $canary{on},
         'a server without a policy and fgs_policy_redact_log on');
redacted('loc', $canary{loc},
         'a server with a policy in a location: the server\'s log');
redacted('reloaded', $canary{reloaded},
         'the same server after a reload with fgs_policy_redact_log on');
redacted('named', $canary{shared},
         'a server with a policy on a shared address: its log');

subtest 'the default server of that address: the lines before Host' => sub {
    like($log{default}, qr/X-Auth-Token: \[redacted\]/, 'redacted')
        if $debug;
    unlike($log{default}, qr/\Q$canary{shared}\E/,
           'the credential is nowhere');
};

redacted('error', $canary{main}, 'the main error log: the policy\'s server');
unlike($log{error}, qr/\Q$canary{inherit}\E/,
       'and a server without a policy that logs there');

for my $f (qw(plain on default)) {
    unlike($log{$f}, qr/\Q$canary{shared}\E|\Q$canary{main}\E/,
           "no other server's request in $f.log");
}

# --- the main error log follows the directive in http{}

my $t2 = FgsTest->new(http => 'fgs_policy_redact_log off;',
                      log_level => 'debug');
$t2->start;
my $off = "CanaryHttpOff$tag";
$t2->raw("GET $path HTTP/1.1\r\nHost: localhost\r\n"
         . "X_Auth_Token: $off\r\nConnection: close\r\n\r\n");
$t2->finish;
like($t2->error_log, qr/X_Auth_Token: \Q$off\E/,
     '"off" in http{}: the main error log of a policy\'s server in the '
     . 'clear');

my $t3 = FgsTest->new(http => 'fgs_policy_redact_log on;',
                      server => "location / { return 204; }",
                      log_level => 'debug');
$t3->start;
my $on = "CanaryHttpOn$tag";
$t3->raw("GET / HTTP/1.1\r\nHost: localhost\r\n"
         . "X_Auth_Token: $on\r\nConnection: close\r\n\r\n");
$t3->finish;
unlike($t3->error_log, qr/\Q$on\E/,
       '"on" in http{} and no policy anywhere: the main error log redacted');
like($t3->error_log, qr/X_Auth_Token: \[redacted\]/, 'as [redacted]');

done_testing;

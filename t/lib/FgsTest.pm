package FgsTest;

# The nginx test harness for ngx_fgs_policy_module.
#
# Per test file it starts the mock FunctionGraph (t/mock/fgs-mock.js) and
# the system nginx with the module loaded, on free loopback ports, in a
# private prefix under t/tmp/; it talks HTTP to the gateway over raw
# sockets so that tests control every byte; it reads what the mock
# received, to prove what the upstream got (or that it got nothing); and
# at the end it stops both processes and checks the error log.
#
#   my $t = FgsTest->new(server => <<'EOF');
#       fgs_policy %%POLICY%%;
#       location / { %%PROXY%% }
#   EOF
#   $t->start;
#   my $r = $t->json_put(config_path(), $body);
#   $t->is_fgs_error($r, 403, 'FGSPOL.4030', 'denied');
#   $t->upstream_got_nothing('nothing forwarded');
#   $t->finish;
#   done_testing;
#
# Environment: FGS_NGINX (nginx binary), FGS_CLI (fgs-policy, default
# build/fgs-policy), FGS_MODULE (the module .so, e.g.
# a sanitizer build), FGS_NGINX_PRELOAD (LD_PRELOAD for nginx only, e.g.
# libasan.so for a sanitizer build of the module in the system nginx;
# ASan then reports into logs/asan.PID of the prefix, UBSan into nginx's
# stderr, or logs/ubsan.PID without ASan), FGS_NGINX_PREFIX_CMD (a
# command nginx runs under, e.g. valgrind; {logs} in it stands for the
# prefix's logs directory), FGS_NGINX_STOP_SIGNAL and FGS_NGINX_STOP_WAIT
# (how nginx is stopped: see nginx_stop_signal), FGS_MOCK (the mock
# script), FGS_TEST_KEEP=1 (keep the prefix directory),
# FGS_TEST_VERBOSE=1 (diag the processes' logs).  finish() fails on any
# sanitizer or valgrind report.

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use Digest::SHA qw(sha256_hex);
use Exporter qw(import);
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(decode_base64 encode_base64);
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

use FgsTest::Conn;
use FgsTest::Response;

our @EXPORT = qw(
    PROJECT OTHER_PROJECT REGION
    urn code_path config_path create_path function_path
    build_request chunk_body json_encode json_decode canonical_json
    config_json
    random_bytes code_body read_data data_path sha256_hex
    encode_base64 decode_base64
);

use constant PROJECT       => '0123456789abcdef0123456789abcdef';
use constant OTHER_PROJECT => 'fedcba9876543210fedcba9876543210';
use constant REGION        => 'cn-north-4';

our $ROOT = abs_path(dirname(__FILE__) . '/../..');
our $NGINX = $ENV{FGS_NGINX} || '/usr/sbin/nginx';
our $MODULE = $ENV{FGS_MODULE} || "$ROOT/build/ngx_http_fgs_policy_module.so";
our $CLI = $ENV{FGS_CLI} || "$ROOT/build/fgs-policy";
our $MOCK = $ENV{FGS_MOCK} || "$ROOT/t/mock/fgs-mock.js";

my @live;                   # instances whose processes may still run
my $instance_seq = 0;


# ---------------------------------------------------------------------
# names, paths and bodies

sub urn {
    my ($name, %o) = @_;

    my $proj = $o{project} // PROJECT;
    my $urn = 'urn:fss:' . ($o{region} // REGION) . ":$proj:function:"
              . ($o{package} // 'default') . ':' . ($name // 'fn-test');
    $urn .= ":$o{version}" if defined $o{version};
    return $urn;
}

sub function_path {
    my ($urn, %o) = @_;
    return '/v2/' . ($o{project} // PROJECT) . '/fgs/functions/' . $urn;
}

sub code_path {
    my ($name, %o) = @_;
    return function_path(urn($name, %o), %o) . '/code';
}

sub config_path {
    my ($name, %o) = @_;
    return function_path(urn($name, %o), %o) . '/config';
}

sub create_path {
    my (%o) = @_;
    return '/v2/' . ($o{project} // PROJECT) . '/fgs/functions';
}

my $json = JSON::PP->new->utf8->allow_nonref;
my $canon = JSON::PP->new->utf8->allow_nonref->canonical;

sub json_encode { return $json->encode($_[0]); }
sub json_decode { return $json->decode($_[0]); }
sub canonical_json { return $canon->encode($_[0]); }

# A /config body (canonical JSON) for function $name that the reference
# accepts: %fields add to or replace the defaults, and a field given as
# undef is left out.
sub config_json {
    my ($name, %fields) = @_;
    my %b = (func_name => $name, runtime => 'Python3.12',
             handler => 'index.handler', memory_size => 512, timeout => 30,
             %fields);
    delete $b{$_} for grep { !defined $b{$_} } keys %b;
    return canonical_json(\%b);
}

sub data_path { return "$ROOT/t/data/$_[0]"; }

sub read_data {
    my ($name) = @_;
    return slurp(data_path($name));
}

sub slurp {
    my ($file) = @_;

    open my $fh, '<:raw', $file or croak "open $file: $!";
    local $/;
    my $s = <$fh> // '';
    close $fh;
    return $s;
}

sub spew {
    my ($file, $s) = @_;

    open my $fh, '>:raw', $file or croak "open $file: $!";
    print {$fh} $s;
    close $fh or croak "write $file: $!";
}

sub random_bytes {
    my ($n) = @_;

    open my $fh, '<:raw', '/dev/urandom' or croak "urandom: $!";
    my $buf = '';
    while (length $buf < $n) {
        my $got = read $fh, $buf, $n - length $buf, length $buf;
        croak "urandom: $!" unless $got;
    }
    close $fh;
    return $buf;
}

# A /code body carrying $n random bytes of "zip" code, base64-encoded;
# $o{tail} is inserted verbatim before the closing brace.
sub code_body {
    my ($n, %o) = @_;

    my $file = encode_base64(random_bytes($n), '');
    return '{"code_type":"zip","code_filename":"index.zip",'
           . '"func_code":{"file":"' . $file . '"}'
           . ($o{tail} // '') . '}';
}

# The bytes of a chunked body: the given pieces, then the last chunk.
sub chunk_body {
    my (@pieces) = @_;

    my $s = '';
    for my $p (@pieces) {
        next unless length $p;
        $s .= sprintf("%x\r\n", length $p) . $p . "\r\n";
    }
    return $s . "0\r\n\r\n";
}

# The exact bytes of one HTTP/1.1 request.
#   method, target, headers => [name => value, ...] (order kept; a value
#   of undef removes a default header), body, chunked => [pieces] (or
#   chunked => N: cut body into N-byte pieces), host, close (default 1)
sub build_request {
    my (%o) = @_;

    my $method = $o{method} // 'GET';
    my $target = $o{target} // '/';
    my $body = $o{body};
    my @h;
    my %drop;

    my @user = @{ $o{headers} // [] };
    for (my $i = 0; $i < @user; $i += 2) {
        $drop{ lc $user[$i] } = 1;
    }

    push @h, 'Host', $o{host} // 'localhost' unless $drop{host};

    my $chunks = $o{chunked};
    if (defined $chunks && !ref $chunks) {
        my $n = $chunks;
        $chunks = [];
        for (my $i = 0; $i < length($body // ''); $i += $n) {
            push @$chunks, substr($body, $i, $n);
        }
    }

    if ($chunks) {
        push @h, 'Transfer-Encoding', 'chunked'
            unless $drop{'transfer-encoding'};
        $body = chunk_body(@$chunks);
    } elsif (defined $body) {
        push @h, 'Content-Length', length $body
            unless $drop{'content-length'};
    }

    push @h, 'Connection', 'close'
        if ($o{close} // 1) && !$drop{connection};

    for (my $i = 0; $i < @user; $i += 2) {
        push @h, $user[$i], $user[$i + 1] if defined $user[$i + 1];
    }

    my $s = "$method $target HTTP/1.1\r\n";
    for (my $i = 0; $i < @h; $i += 2) {
        $s .= "$h[$i]: $h[$i + 1]\r\n";
    }
    return $s . "\r\n" . ($body // '');
}


# ---------------------------------------------------------------------
# the instance: prefix, ports, configuration, processes

#   server      server-level fragment (default: the policy and a proxy)
#   http        http-level fragment
#   main        main-level fragment
#   events      events-level fragment
#   module      load the module (default 1)
#   mock        start the mock (default 1; 0 keeps its port closed)
#   mock_args   extra arguments for the mock ([--ak, AK, --sk, SK])
#   workers     worker_processes (default 1)
#   log_level   error_log level (default info)
#   vars        { NAME => value } for %%NAME%% placeholders
#   allow_log   [ qr/.../ ] error-log lines of level crit or worse that
#               this file expects
sub new {
    my ($class, %o) = @_;

    my $name = basename($0);
    $name =~ s/\.t$//;
    $name =~ s/[^A-Za-z0-9_.-]/_/g;

    my $base = "$ROOT/t/tmp";
    make_path($base);
    my $prefix = "$base/$name." . $$ . '.' . ++$instance_seq;
    remove_tree($prefix);
    make_path("$prefix/logs", "$prefix/conf", "$prefix/data");
    chmod 0755, $base, $prefix, "$prefix/logs", "$prefix/conf",
          "$prefix/data";

    my $self = bless {
        server    => $o{server},
        http      => $o{http} // '',
        main      => $o{main} // '',
        events    => $o{events} // '',
        module    => $o{module} // 1,
        mock      => $o{mock} // 1,
        mock_args => $o{mock_args} // [],
        workers   => $o{workers} // 1,
        log_level => $o{log_level} // 'info',
        vars      => $o{vars} // {},
        allow_log => $o{allow_log} // [],
        prefix    => $prefix,
        port      => free_port(),
        mock_port => free_port(),
        auto_reset => $o{auto_reset} // 1,
        nconf     => 0,
    }, $class;

    $self->{server} //= $self->{module}
        ? "fgs_policy %%POLICY%%;\nlocation / {\n    %%PROXY%%\n}\n"
        : "location / {\n    %%PROXY%%\n}\n";

    push @live, $self;
    return $self;
}

sub prefix    { return $_[0]{prefix}; }
sub port      { return $_[0]{port}; }
sub mock_port { return $_[0]{mock_port}; }
sub error_log_path { return "$_[0]{prefix}/logs/error.log"; }

# A port nothing listens on, and none this test file was given before:
# the kernel may hand a port that was just closed out again, and two
# processes of one test (nginx and the mock) must not be told the same.
my %ports_given;

sub free_port {
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
            Listen => 1, ReuseAddr => 1,
        ) or croak "cannot bind a free port: $!";
        my $port = $s->sockport;
        close $s;
        return $port unless $ports_given{$port}++;
    }
    croak 'no free port that was not given before';
}

sub proxy_block {
    return join "\n    ",
        'proxy_pass http://fgs_mock;',
        'proxy_http_version 1.1;',
        'proxy_set_header Connection "";',
        # the Host header as sent, port included: AK/SK signatures cover
        # it ($fgs_test_host: see make_conf)
        'proxy_set_header Host $fgs_test_host;';
}

sub expand {
    my ($self, $s, $vars) = @_;

    my %v = (
        PORT      => $self->{port},
        MOCK_PORT => $self->{mock_port},
        MOCK      => "127.0.0.1:$self->{mock_port}",
        PREFIX    => $self->{prefix},
        ROOT      => $ROOT,
        DATA      => "$ROOT/t/data",
        POLICY    => "$ROOT/conf/policy.json",
        PROXY     => proxy_block(),
        %{ $self->{vars} },
        %{ $vars // {} },
    );

    # PROXY may itself hold placeholders-free text only; one pass suffices
    $s =~ s{%%([A-Z0-9_]+)%%}{
        exists $v{$1} ? $v{$1} : croak "unknown placeholder %%$1%%"
    }ge;
    return $s;
}

# The whole nginx.conf for the given fragments (defaults: the instance's).
sub make_conf {
    my ($self, %o) = @_;

    my $p = $self->{prefix};
    my $server = $o{server} // $self->{server};
    my $http = $o{http} // $self->{http};
    my $main = $o{main} // $self->{main};
    my $events = $o{events} // $self->{events};
    my $module = $o{module} // $self->{module};
    my $workers = $o{workers} // $self->{workers};
    my $vars = $o{vars};

    my $c = '';
    $c .= "load_module $MODULE;\n" if $module;
    $c .= "user root root;\n" if $> == 0;
    $c .= <<"EOF";
daemon off;
master_process on;
worker_processes $workers;
pid $p/logs/nginx.pid;
error_log $p/logs/error.log $self->{log_level};
$main
events {
    worker_connections 256;
    $events
}

http {
    access_log $p/logs/access.log;
    default_type application/octet-stream;
    client_max_body_size 128m;

    client_body_temp_path $p/client_body_temp;
    proxy_temp_path $p/proxy_temp;
    fastcgi_temp_path $p/fastcgi_temp;
    uwsgi_temp_path $p/uwsgi_temp;
    scgi_temp_path $p/scgi_temp;

    map \$http_host \$fgs_test_host {
        ""      \$host;
        default \$http_host;
    }

    upstream fgs_mock {
        server 127.0.0.1:$self->{mock_port};
        keepalive 8;
    }

$http

    server {
        listen 127.0.0.1:$self->{port};
        server_name localhost;

$server
    }
}
EOF
    return $self->expand($c, $vars);
}

sub write_conf {
    my ($self, $file, %o) = @_;

    my $conf = $self->make_conf(%o);
    spew($file, $conf);
    return $conf;
}

# Runs nginx -t on a configuration made of the given fragments.
# Returns (exit status, everything nginx said: stderr and the -e log).
sub nginx_t {
    my ($self, %o) = @_;

    my $n = ++$self->{nconf};
    my $p = $self->{prefix};
    my $conf = "$p/conf/t-$n.conf";
    my $out = "$p/logs/t-$n.out";
    my $elog = "$p/logs/t-$n.log";

    $self->write_conf($conf, %o);
    my $rc = run_cmd($self->nginx_argv('-t', '-q', '-p', "$p/", '-c', $conf,
                                       '-e', $elog), $out, 30,
                     $self->nginx_env);
    my $said = slurp($out);
    $said .= slurp($elog) if -f $elog;
    return ($rc, $said);
}

# Runs a command with stdout and stderr to $out, bounded by $limit
# seconds; returns its exit status (or -1 when it had to be killed).
sub run_cmd {
    my ($argv, $out, $limit, $env) = @_;

    my $pid = fork // croak "fork: $!";
    if ($pid == 0) {
        @ENV{ keys %$env } = values %$env if $env;
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        open STDIN, '<', '/dev/null';
        exec @$argv or POSIX::_exit(127);
    }
    my $deadline = time + $limit;
    while (time < $deadline) {
        my $r = waitpid $pid, WNOHANG;
        return $? >> 8 if $r == $pid;
        sleep 0.02;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return -1;
}

# What nginx runs with beyond the test's environment.  Sanitizer reports
# go into the prefix's logs, where finish() looks for them.
sub nginx_env {
    my ($self) = @_;

    return undef unless $ENV{FGS_NGINX_PRELOAD};
    my $l = "$self->{prefix}/logs";
    return { LD_PRELOAD => $ENV{FGS_NGINX_PRELOAD},
             ASAN_OPTIONS => ($ENV{ASAN_OPTIONS}
                              // 'detect_leaks=0:abort_on_error=0')
                             . ":log_path=$l/asan",
             UBSAN_OPTIONS => ($ENV{UBSAN_OPTIONS} // 'print_stacktrace=1')
                              . ":log_path=$l/ubsan" };
}

# The command line that runs nginx with these arguments: under
# FGS_NGINX_PREFIX_CMD when it is set.
sub nginx_argv {
    my ($self, @args) = @_;

    my @pre = split ' ', $ENV{FGS_NGINX_PREFIX_CMD} // '';
    s/\{logs\}/$self->{prefix}\/logs/g for @pre;
    return [@pre, $NGINX, @args];
}

sub spawn {
    my ($argv, $out, $env) = @_;

    my $pid = fork // croak "fork: $!";
    if ($pid == 0) {
        @ENV{ keys %$env } = values %$env if $env;
        POSIX::setsid();
        open STDOUT, '>>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        open STDIN, '<', '/dev/null';
        exec @$argv or POSIX::_exit(127);
    }
    return $pid;
}

sub alive {
    my ($pid) = @_;
    return 0 unless $pid;
    my $r = waitpid $pid, WNOHANG;
    return $r == 0;
}

sub port_open {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
        Timeout => 1,
    );
    return 0 unless $s;
    close $s;
    return 1;
}

sub wait_port {
    my ($port, $pid, $limit) = @_;

    my $deadline = time + $limit;
    while (time < $deadline) {
        return 1 if port_open($port);
        return 0 unless alive($pid);
        sleep 0.05;
    }
    return 0;
}

sub start {
    my ($self) = @_;

    $self->start_mock if $self->{mock};
    $self->start_nginx;
    return $self;
}

sub start_mock {
    my ($self) = @_;

    my $log = "$self->{prefix}/logs/mock.log";
    croak "the mock is missing: $MOCK" unless -f $MOCK;

    $self->{mock_pid} = spawn(['node', $MOCK, '--listen',
                               "127.0.0.1:$self->{mock_port}",
                               @{ $self->{mock_args} }], $log);

    my $deadline = time + 15;
    while (time < $deadline) {
        last if -f $log && slurp($log) =~ /fgs-mock listening/;
        last unless alive($self->{mock_pid});
        sleep 0.05;
    }
    unless (wait_port($self->{mock_port}, $self->{mock_pid}, 5)) {
        my $said = -f $log ? slurp($log) : '';
        $self->stop;
        die "the mock did not start: $said\n";
    }
}

sub start_nginx {
    my ($self) = @_;

    my $p = $self->{prefix};
    my $conf = "$p/conf/nginx.conf";

    $self->write_conf($conf);
    $self->{nginx_pid} = spawn($self->nginx_argv('-p', "$p/", '-c', $conf,
                                                 '-e', "$p/logs/error.log"),
                               "$p/logs/nginx.stderr", $self->nginx_env);

    unless (wait_port($self->{port}, $self->{nginx_pid}, 15)) {
        my $said = slurp("$p/logs/nginx.stderr");
        $said .= slurp("$p/logs/error.log") if -f "$p/logs/error.log";
        $self->stop;
        die "nginx did not start: $said\n";
    }
}

# How nginx is stopped: SIGTERM, and 10 s for it to exit.  On SIGTERM the
# master kills workers that take more than about 1.5 s to exit, which a
# leak check at exit under ASan or valgrind can take: those runs stop
# nginx with SIGQUIT (FGS_NGINX_STOP_SIGNAL=QUIT), which waits for them,
# and may allow more time (FGS_NGINX_STOP_WAIT).
sub nginx_stop_signal { return $ENV{FGS_NGINX_STOP_SIGNAL} || 'TERM'; }
sub nginx_stop_wait { return $ENV{FGS_NGINX_STOP_WAIT} || 10; }

sub stop_pid {
    my ($pid, $limit, $sig) = @_;

    return unless $pid;
    kill $sig // 'TERM', $pid;
    my $deadline = time + $limit;
    while (time < $deadline) {
        my $r = waitpid $pid, WNOHANG;
        return 1 if $r == $pid || $r == -1;
        sleep 0.02;
    }
    kill 'KILL', -$pid;     # the whole process group: workers too
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return 0;
}

sub stop {
    my ($self) = @_;

    my $clean = 1;
    if ($self->{nginx_pid}) {
        $clean = stop_pid($self->{nginx_pid}, nginx_stop_wait(),
                          nginx_stop_signal()) && $clean;
        # workers left behind by a crash of the master
        kill 'KILL', -$self->{nginx_pid};
        delete $self->{nginx_pid};
    }
    if ($self->{mock_pid}) {
        stop_pid($self->{mock_pid}, 5);
        kill 'KILL', -$self->{mock_pid};
        delete $self->{mock_pid};
    }
    return $clean;
}

sub master_pid { return $_[0]{nginx_pid}; }

sub worker_pids {
    my ($self) = @_;

    my $master = $self->{nginx_pid} or return ();
    my @w;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        close $fh;
        # pid (comm) state ppid ...
        next unless $line =~ /^(\d+) \(.*\) \S+ (\d+)/s;
        push @w, $1 if $2 == $master;
    }
    return sort { $a <=> $b } @w;
}

sub error_log {
    my ($self, $from) = @_;

    my $f = $self->error_log_path;
    return '' unless -f $f;
    my $s = slurp($f);
    return defined $from ? substr($s, $from) : $s;
}

sub log_mark { return -s $_[0]->error_log_path // 0; }

# Replaces the configuration with new fragments and sends SIGHUP.
# Returns 1 when new workers serve it, 0 when nginx refused it (the old
# configuration keeps serving); the log lines are in $self->{reload_log}.
sub reload {
    my ($self, %o) = @_;

    my $p = $self->{prefix};
    for my $k (qw(server http main events workers vars)) {
        $self->{$k} = $o{$k} if exists $o{$k};
    }

    my @old = $self->worker_pids;
    my $mark = $self->log_mark;
    $self->write_conf("$p/conf/nginx.conf");
    kill 'HUP', $self->{nginx_pid} or croak "reload: master is gone";

    my $deadline = time + 15;
    while (time < $deadline) {
        my $log = $self->error_log($mark);
        $self->{reload_log} = $log;
        return 0 if $log =~ /\[emerg\]/;
        if ($log =~ /start worker process/) {
            my %old = map { $_ => 1 } @old;
            my @now = $self->worker_pids;
            return 1 if @now && !grep { $old{$_} } @now;
        }
        sleep 0.05;
    }
    croak "reload: no answer from nginx within 15 s";
}


# ---------------------------------------------------------------------
# HTTP

sub connect {
    my ($self, %o) = @_;
    return FgsTest::Conn->new($o{port} // $self->{port}, %o);
}

# Sends the exact bytes and reads one response (or $o{count} responses:
# pipelining).  Options: timeout, head (the request was HEAD), count,
# piece / delay (slow send: $piece bytes, then sleep $delay), keep (do
# not reset the mock's records first).
sub raw {
    my ($self, $bytes, %o) = @_;

    $self->mock_clear unless $o{keep} || !$self->{mock}
                             || !$self->{auto_reset};

    my $c = $self->connect(%o);
    if ($o{piece}) {
        $c->send_slowly($bytes, $o{piece}, $o{delay} // 0.01);
    } else {
        $c->send($bytes);
    }

    my $count = $o{count} // 1;
    my @heads = ref $o{head} ? @{ $o{head} } : (($o{head} // 0) x $count);
    my @r;
    for my $i (0 .. $count - 1) {
        my $r = $c->read_response(timeout => $o{timeout}, head => $heads[$i]);
        push @r, $r;
        last unless $r->complete;
    }
    $c->close;
    return wantarray ? @r : $r[0];
}

# One request made with build_request's options; returns the response.
sub request {
    my ($self, %o) = @_;

    my %conn;
    for my $k (qw(timeout piece delay keep port)) {
        $conn{$k} = delete $o{$k} if exists $o{$k};
    }
    $o{host} //= "127.0.0.1:$self->{port}";
    my $head = ($o{method} // 'GET') eq 'HEAD';
    return $self->raw(build_request(%o), %conn, head => $head);
}

sub default_json_headers {
    return ('Content-Type' => 'application/json',
            'X-Auth-Token' => 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglg');
}

# PUT a JSON body; @h are extra headers (name => value; undef removes a
# default).  Options after the headers go to request (timeout, ...).
sub json_put {
    my ($self, $target, $body, @h) = @_;
    return $self->json_request('PUT', $target, $body, @h);
}

sub json_post {
    my ($self, $target, $body, @h) = @_;
    return $self->json_request('POST', $target, $body, @h);
}

sub json_request {
    my ($self, $method, $target, $body, @h) = @_;

    my %opt;
    if (@h && ref $h[-1] eq 'HASH') {
        %opt = %{ pop @h };
    }
    my %user = @h;
    my @def = default_json_headers();
    my @headers;
    for (my $i = 0; $i < @def; $i += 2) {
        push @headers, $def[$i], $def[$i + 1]
            unless grep { lc $_ eq lc $def[$i] } keys %user;
    }
    push @headers, @h;
    return $self->request(method => $method, target => $target,
                          body => $body, headers => \@headers, %opt);
}

# Sends the head with Expect: 100-continue, waits (bounded) for the
# interim 100 and then sends the body; returns the final response with
# $r->{got_continue}.  A final answer before the body ends the exchange.
sub expect_continue {
    my ($self, %o) = @_;

    my $timeout = delete $o{timeout} // 10;
    my $body = delete $o{body} // '';
    my $chunked = delete $o{chunked};
    $o{host} //= "127.0.0.1:$self->{port}";
    $o{headers} = [ @{ $o{headers} // [] }, 'Expect' => '100-continue' ];

    my $req = build_request(%o, body => $body,
                            $chunked ? (chunked => $chunked) : ());
    my $split = index($req, "\r\n\r\n") + 4;
    my ($head, $rest) = (substr($req, 0, $split), substr($req, $split));

    $self->mock_clear if $self->{mock} && $self->{auto_reset};
    my $c = $self->connect;
    $c->send($head);
    my $r = $c->read_response(timeout => $timeout, interim => 1);
    if ($r->complete && $r->status == 100) {
        $c->send($rest);
        my $final = $c->read_response(timeout => $timeout);
        $final->{got_continue} = 1;
        $c->close;
        return $final;
    }
    $r->{got_continue} = 0;
    $c->close;
    return $r;
}


# Runs the official SDK end-to-end client (t/e2e/sdk-e2e.js) against the
# gateway with the given options (--name => value; a value of undef makes
# a switch); returns (exit status, [decoded JSON lines], raw output).
sub sdk {
    my ($self, @args) = @_;

    my @argv = ('node', "$ROOT/t/e2e/sdk-e2e.js",
                '--endpoint', "http://127.0.0.1:$self->{port}");
    for (my $i = 0; $i < @args; $i += 2) {
        push @argv, $args[$i];
        push @argv, $args[$i + 1] if defined $args[$i + 1];
    }
    my $out = "$self->{prefix}/logs/sdk-" . ++$self->{nsdk} . '.out';
    $self->mock_clear if $self->{mock} && $self->{auto_reset};
    my $rc = run_cmd(\@argv, $out, 60);
    my $said = slurp($out);
    my @lines = map { my $l = $_; eval { json_decode($l) } // { raw => $l } }
                grep { /^\{/ } split /\n/, $said;
    return ($rc, \@lines, $said);
}


# ---------------------------------------------------------------------
# the mock's records

sub mock_call {
    my ($self, $method, $target, $body) = @_;

    my $c = FgsTest::Conn->new($self->{mock_port});
    $c->send(build_request(method => $method, target => $target,
             host => "127.0.0.1:$self->{mock_port}",
             defined $body ? (body => $body, headers =>
                 ['Content-Type' => 'application/json']) : ()));
    my $r = $c->read_response(timeout => 10);
    $c->close;
    croak "mock $method $target: no complete answer" unless $r->complete;
    croak "mock $method $target: " . $r->status . ' ' . $r->body
        unless $r->status =~ /^2/;
    return $r;
}

# Forgets the records, the functions and the queued misbehaviours.
sub mock_reset {
    my ($self) = @_;
    $self->mock_call('POST', '/__mock/reset');
}

# Forgets the records only (before each request: see raw).
sub mock_clear {
    my ($self) = @_;
    $self->mock_call('DELETE', '/__mock/requests');
}

# Queues a misbehaviour of the mock (t/mock/behaviour.js).
sub mock_behave {
    my ($self, $spec) = @_;
    $self->mock_call('POST', '/__mock/behaviour', json_encode($spec));
}

# Every request the mock received since the last reset, oldest first,
# each normalised to { method, target, headers => { lc name => value },
# body (the exact bytes), length, sha256, signature (verdict or undef) }.
sub mock_requests {
    my ($self) = @_;

    my $list = json_decode_big($self->mock_call('GET', '/__mock/requests')
                               ->body);
    $list = $list->{requests} if ref $list eq 'HASH';
    return [ map { normalise_record($_) } @$list ];
}

# JSON::PP reads strings a character at a time: a 20 MB base64 body would
# take seconds.  Long base64 strings need no unescaping, so they are cut
# out before decoding and put back after.
sub json_decode_big {
    my ($text) = @_;

    my @big;
    $text =~ s{"([A-Za-z0-9+/=]{4096,}+)"}{
        push @big, $1; '"\\u0000fgs-big-' . $#big . '"'
    }ge;
    my $v = json_decode($text);
    return $v unless @big;

    my $put;
    $put = sub {
        my ($x) = @_;
        if (ref $x eq 'HASH') {
            for my $k (keys %$x) {
                if (!ref $x->{$k} && defined $x->{$k}
                    && $x->{$k} =~ /^\x00fgs-big-(\d+)$/) {
                    $x->{$k} = $big[$1];
                } else {
                    $put->($x->{$k});
                }
            }
        } elsif (ref $x eq 'ARRAY') {
            for my $e (@$x) {
                if (!ref $e && defined $e && $e =~ /^\x00fgs-big-(\d+)$/) {
                    $e = $big[$1];
                } else {
                    $put->($e);
                }
            }
        }
    };
    $put->($v);
    undef $put;
    return $v;
}

sub normalise_record {
    my ($rec) = @_;

    my %h;
    my $hs = $rec->{headers} // {};
    if (ref $hs eq 'ARRAY') {
        # [[name, value], ...] or [name, value, ...]
        if (@$hs && ref $hs->[0]) {
            $h{ lc $_->[0] } = $_->[1] for @$hs;
        } else {
            for (my $i = 0; $i < @$hs; $i += 2) {
                $h{ lc $hs->[$i] } = $hs->[$i + 1];
            }
        }
    } else {
        $h{ lc $_ } = ref $hs->{$_} eq 'ARRAY' ? join(', ', @{ $hs->{$_} })
                                              : $hs->{$_} for keys %$hs;
    }

    my $b64 = $rec->{body_b64} // $rec->{body_base64} // $rec->{body} // '';
    my $body = decode_base64($b64);
    my $sig = $rec->{signature} // $rec->{signature_verdict};
    if (ref $sig eq 'HASH') {
        $sig = $sig->{valid} // $sig->{ok} // $sig->{verdict};
    }

    return {
        raw       => $rec,
        method    => $rec->{method},
        target    => $rec->{target} // $rec->{url} // $rec->{path},
        headers   => \%h,
        body      => $body,
        length    => $rec->{body_length} // $rec->{length}
                     // length $body,
        sha256    => $rec->{body_sha256} // $rec->{sha256}
                     // sha256_hex($body),
        signature => $sig,
    };
}

sub mock_functions {
    my ($self) = @_;
    return json_decode($self->mock_call('GET', '/__mock/functions')->body);
}

# Seeds functions in the mock: the body is what the mock documents for
# PUT /__mock/functions (one function's metadata with func_urn, or a list).
sub mock_seed {
    my ($self, $meta) = @_;
    $self->mock_call('PUT', '/__mock/functions', json_encode($meta));
}

# Seeds the functions of the given URNs with the mock's defaults.
sub seed_functions {
    my ($self, @urns) = @_;
    $self->mock_seed([ map { { func_urn => $_ } } @urns ]);
}


# ---------------------------------------------------------------------
# assertions

sub is_status {
    my ($self, $r, $status, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $ok = is($r->status, $status, $name);
    diag($r->summary) unless $ok;
    return $ok;
}

# The response is the gateway's own JSON error (docs/errors.md): status,
# Content-Type application/json, error_code, a one-sentence error_msg, a
# request_id, and violations naming $o{fields} when given.  Returns the
# decoded body (or undef).
sub is_fgs_error {
    my ($self, $r, $status, $code, $name, %o) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $body;
    my $ok = subtest $name => sub {
        is($r->status, $status, "status $status")
            or diag($r->summary);
        like($r->header('content-type') // '', qr{^application/json\b}i,
             'Content-Type application/json');
        $body = eval { json_decode($r->body) };
        ok(ref $body eq 'HASH', 'body is a JSON object')
            or do { diag('body: ' . substr($r->body, 0, 500)); return };
        my $cok = ref $code
            ? like($body->{error_code} // '', $code, "error_code $code")
            : is($body->{error_code}, $code, "error_code $code");
        diag('error_msg: ' . ($body->{error_msg} // '(none)')) unless $cok;
        ok(defined $body->{error_msg} && !ref $body->{error_msg}
           && length $body->{error_msg} > 10, 'error_msg is a sentence');
        ok(defined $body->{request_id} && !ref $body->{request_id}
           && $body->{request_id} =~ /^[A-Za-z0-9._-]{8,}$/,
           'request_id is present')
            or diag('request_id: ' . ($body->{request_id} // '(none)'));
        if (exists $body->{violations}) {
            my $v = $body->{violations};
            ok(ref $v eq 'ARRAY', 'violations is an array');
            if (ref $v eq 'ARRAY') {
                my $shape = !grep {
                    ref $_ ne 'HASH' || !exists $_->{field}
                    || !defined $_->{message} || !exists $_->{rule}
                } @$v;
                ok($shape, 'each violation has rule, field and message')
                    or diag(explain $v);
            }
        }
        if ($o{fields}) {
            my @got = map { $_->{field} // '' }
                      @{ ref $body->{violations} eq 'ARRAY'
                         ? $body->{violations} : [] };
            for my $f (@{ $o{fields} }) {
                ok((grep { $_ eq $f } @got), "violation names field $f")
                    or diag('fields: ' . join(', ', @got));
            }
        }
        if ($o{rules}) {
            my @got = map { $_->{rule} // '' }
                      @{ ref $body->{violations} eq 'ARRAY'
                         ? $body->{violations} : [] };
            for my $rule (@{ $o{rules} }) {
                ok((grep { $_ eq $rule } @got), "violation of rule $rule")
                    or diag('rules: ' . join(', ', @got));
            }
        }
        if (defined $o{nviolations}) {
            is(scalar @{ $body->{violations} // [] }, $o{nviolations},
               "$o{nviolations} violations");
        }
        if ($o{msg}) {
            like($body->{error_msg} // '', $o{msg}, 'error_msg says why');
        }
    };
    return $ok ? $body : undef;
}

# The mock received no request at all since the last reset.
sub upstream_got_nothing {
    my ($self, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $recs = $self->mock_requests;
    my $ok = is(scalar @$recs, 0, $name);
    diag('upstream got: ' . join(', ', map { "$_->{method} $_->{target}" }
                                      @$recs)) unless $ok;
    return $ok;
}

# The mock received exactly one request, $method $target, whose body is
# byte for byte $expected (length, sha256 and Content-Length agree).
# Returns the record.
sub upstream_got {
    my ($self, $method, $target, $expected, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $recs = $self->mock_requests;
    my $rec;
    subtest $name => sub {
        is(scalar @$recs, 1, 'the upstream got one request')
            or diag('upstream got: ' . join(', ',
                    map { "$_->{method} $_->{target}" } @$recs));
        return unless @$recs;
        $rec = $recs->[-1];
        is($rec->{method}, $method, "method $method");
        is($rec->{target}, $target, 'target unchanged');
        return unless defined $expected;
        is($rec->{length}, length $expected, 'body length')
            or diag('got: ' . substr($rec->{body}, 0, 300));
        is($rec->{sha256}, sha256_hex($expected), 'body sha256');
        ok($rec->{body} eq $expected, 'body bytes equal')
            or diag(first_difference($rec->{body}, $expected));
        is($rec->{headers}{'content-length'}, length $expected,
           'Content-Length matches the forwarded body')
            if length $expected || defined $rec->{headers}{'content-length'};
        ok(!defined $rec->{headers}{'transfer-encoding'},
           'no Transfer-Encoding towards the upstream')
            if length $expected;
    };
    return $rec;
}

sub first_difference {
    my ($a, $b) = @_;

    my $n = length $a < length $b ? length $a : length $b;
    my $i = 0;
    $i++ while $i < $n && substr($a, $i, 1) eq substr($b, $i, 1);
    my $from = $i > 40 ? $i - 40 : 0;
    return sprintf("first difference at byte %d of %d/%d:\n got: %s\n"
                   . " expected: %s", $i, length $a, length $b,
                   substr($a, $from, 120), substr($b, $from, 120));
}

# Stops the processes and checks their logs: no [alert], [emerg] or
# [crit] (unless allow_log or $o{allow} match the line), no sanitizer
# report, the master exited cleanly.
sub finish {
    my ($self, %o) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $clean = $self->stop;
    ok($clean, 'nginx stopped on SIG' . nginx_stop_signal() . ' within '
               . nginx_stop_wait() . ' s');

    my @allow = (@{ $self->{allow_log} }, @{ $o{allow} // [] });
    my $p = $self->{prefix};
    my (@bad, %report);
    for my $f (glob("$p/logs/*.log"), "$p/logs/nginx.stderr",
               glob("$p/logs/{asan,ubsan,valgrind}.*"))
    {
        next unless -f $f;
        next if $f =~ m{/mock\.log$};
        for my $line (split /\n/, slurp($f)) {
            my $severe = $line =~ /\[(alert|emerg|crit)\]/
                         && $f !~ m{/t-\d+\.(log|out)$};
            my $san = $line =~ /AddressSanitizer|LeakSanitizer|runtime\ error:|
                               UndefinedBehaviorSanitizer|
                               ERROR\ SUMMARY:\ [1-9]|
                               ^==\d+==\ (Invalid|Conditional|Use\ of|
                               Syscall|Mismatched|Source\ and)|
                               lost\ in\ loss\ record/x;
            next unless $severe || $san;
            next if !$san && grep { $line =~ $_ } @allow;
            push @bad, basename($f) . ": $line";
            $report{$f} = 1 if $san && $f =~ m{/(asan|ubsan|valgrind)\.};
        }
    }
    ok(!@bad, 'no alert, emerg, crit or sanitizer report in the logs')
        or diag(join "\n", @bad[0 .. ($#bad < 20 ? $#bad : 19)]);
    # the stacks: a report is read in the test's output, not in a prefix
    # that a CI machine throws away
    diag("--- $_\n" . substr(slurp($_), 0, 8000)) for sort keys %report;

    if ($ENV{FGS_TEST_VERBOSE}) {
        diag("--- $_\n" . slurp($_)) for grep { -f } map { "$p/logs/$_" }
            qw(error.log nginx.stderr mock.log);
    }
    $self->{finished} = 1;
    $self->{failed} = !Test::More->builder->is_passing;
    return !@bad;
}

sub cleanup {
    my ($self) = @_;

    $self->stop;
    return if $ENV{FGS_TEST_KEEP} || $self->{failed}
              || !$self->{finished};
    remove_tree($self->{prefix});
}

END {
    my $rc = $?;
    $_->cleanup for @live;
    @live = ();
    $? = $rc;
}


# ---------------------------------------------------------------------
# audit files (docs/audit.md)

# The lines of the audit files, in order, each { file, line (1-based),
# raw (with its newline), json (decoded, or undef) }.
sub audit_lines {
    my ($self, @files) = @_;

    my @l;
    for my $f (@files) {
        next unless -f $f;
        my $n = 0;
        for my $raw (split /(?<=\n)/, slurp($f)) {
            push @l, { file => $f, line => ++$n, raw => $raw,
                       json => scalar eval { json_decode($raw) } };
        }
    }
    return @l;
}

# The decoded records of one kind ("request", "intent", "start", "end")
# in the audit files, in order.  A request record that refers to its
# intent ("intent": the intent's seq in the same chain) is read as a
# reader of the file reads it: the intent's members, with the request
# record's own over them (docs/audit.md, "A record").
sub audit_records {
    my ($self, $kind, @files) = @_;

    my @l = grep { $_->{json} } $self->audit_lines(@files);
    my %intent;
    for my $l (@l) {
        my $j = $l->{json};
        $intent{"$j->{chain}/$j->{seq}"} = $j
            if ($j->{kind} // '') eq 'intent' && defined $j->{chain};
    }

    return map {
               my $j = $_->{json};
               my $in = $kind eq 'request' && defined $j->{intent}
                        ? $intent{"$j->{chain}/$j->{intent}"} : undef;
               $in ? { %$in, %$j } : $j
           }
           grep { ($_->{json}{kind} // '') eq $kind } @l;
}

# Waits (at most $o{timeout} seconds, default 3) until the audit files
# hold at least $n records of kind $kind, and returns those records, as
# audit_records() does: a request record waits in a file's buffer for up
# to flush= (docs/audit.md, "Buffering"), an intent only for the end of
# its turn of the event loop.
sub wait_audit_records {
    my ($self, $kind, $n, @files) = @_;

    my %o = ref $files[-1] eq 'HASH' ? %{ pop @files } : ();
    my $deadline = time + ($o{timeout} // 3);
    my @recs;
    while (1) {
        @recs = $self->audit_records($kind, @files);
        last if @recs >= $n || time >= $deadline;
        sleep 0.05;
    }
    return @recs;
}

# Runs fgs-policy ($CLI) verify-audit with these arguments: (exit status,
# what it printed).
sub verify_audit {
    my ($self, @args) = @_;

    my $out = "$self->{prefix}/logs/verify-" . ++$self->{nverify} . '.out';
    my $rc = run_cmd([$CLI, 'verify-audit', @args],
                     $out, 120);
    return ($rc, slurp($out));
}

1;

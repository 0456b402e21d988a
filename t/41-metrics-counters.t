# fgs_policy_metrics in detail (docs/operations.md, "Metrics"): the exact
# series, every decision counted once whichever of two workers served the
# request, violations, rewrites and waivers by rule, the gateway's errors by
# error_code, and the counters kept across reloads (even one that swaps the
# policy).

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $server = <<'CONF';
    fgs_policy %%POLICY%%;
    add_header X-Worker $pid always;
    location / {
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF

my $t = FgsTest->new(workers => 2, server => $server,
                     vars => { POLICY => data_path('policy.json') });

# --- the directive

my ($rc, $said) = $t->nginx_t(server => "location / { %%PROXY%% }\n"
                                        . "location = /m { fgs_policy_metrics "
                                        . "on; }");
ok($rc != 0 && $said =~ /number of arguments/,
   'fgs_policy_metrics takes no argument') or diag($said);

($rc, $said) = $t->nginx_t(server => "location = /m { fgs_policy_metrics; "
                                     . "fgs_policy_metrics; }");
ok($rc != 0 && $said =~ /is duplicate/,
   'fgs_policy_metrics twice in a location is refused') or diag($said);

($rc, $said) = $t->nginx_t(server => "location = /m { fgs_policy_metrics; }");
is($rc, 0, 'the metrics location works without any policy') or diag($said);

$t->start;

my $P = PROJECT;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(map { urn($_) } qw(dev-reports prod-orders legacy-billing));

# The release's gauges and the reload counter are t/90-release.t's:
# checked for the format here, left out of the series compared.
my $theirs = qr/^fgs_policy_(?:build_info|exception_expiry_timestamp_seconds
                               |reload_failures_total
                               |last_reload_successful)\b/x;

# ($response, { 'family{labels}' => value }), and every line checked
# against the text format
sub scrape {
    my $r = $t->request(method => 'GET', target => '/__metrics', keep => 1);
    my (%s, @bad);
    for my $line (split /\n/, $r->body // '') {
        next if $line =~ /^# (HELP|TYPE) fgs_policy_\w+ /;
        my $label = qr/\w+="(?:[^"\\]|\\.)*"/;
        if ($line =~ /^(fgs_policy_\w+(?:\{$label(?:,$label)*\})?) (\d+)$/) {
            my ($key, $value) = ($1, $2);
            push @bad, "twice: $line" if exists $s{$key};
            $s{$key} = $value unless $key =~ $theirs;
        } else {
            push @bad, $line;
        }
    }
    return ($r, \%s, \@bad);
}

sub req_key {
    my ($op, $d) = @_;
    return "fgs_policy_requests_total{operation=\"$op\",decision=\"$d\"}";
}

sub viol_key {
    my ($rule, $mode) = @_;
    return "fgs_policy_violations_total{rule=\"$rule\",mode=\"$mode\"}";
}

my ($r, $s0, $bad) = scrape();
$t->is_status($r, 200, 'the metrics answer');
is($r->header('content-type'), 'text/plain; version=0.0.4; charset=utf-8',
   'Prometheus text format 0.0.4');
is_deeply($bad, [], 'every line is a HELP, a TYPE or a sample')
    or diag($r->body);
for my $f (qw(requests violations rewrites waivers errors audit_write_failures))
{
    my $n = "fgs_policy_${f}_total";
    like($r->body, qr/^# HELP $n \S.*\n# TYPE $n counter$/m,
         "$n has HELP and TYPE");
}
# every operation of the write surface ("fgs-policy endpoints"), and other
my %ops = map { /^\| \w+ \| `[^`]+` \| `(\w+)` \|$/ ? ($1 => 1) : () }
              split /\n/, `$FgsTest::CLI endpoints`;
ok(keys(%ops) > 20, 'the operations of the write surface');
my @series = ((map { my $op = $_;
                     map { req_key($op, $_) } qw(allow rewrite audit deny error)
                   } (keys %ops, 'other')),
              req_key('unknown', 'error'),
              'fgs_policy_audit_write_failures_total');
is_deeply([sort keys %$s0], [sort @series],
          'a fresh zone: the request series and audit failures, nothing else')
    or diag($r->body);
ok(!grep({ $_ != 0 } values %$s0), 'all zero');

$r = $t->request(method => 'HEAD', target => '/__metrics', keep => 1);
$t->is_status($r, 200, 'HEAD is answered');
$r = $t->request(method => 'POST', target => '/__metrics', body => 'x',
                 keep => 1);
$t->is_status($r, 405, 'POST is not');


# --- one round of requests: each kind of decision, rule and error

sub config_body {
    my ($name, %o) = @_;
    return config_json($name, code_encrypt_kms_key_id => $KMS, %o);
}

my %seen_worker;

sub put {
    my ($name, $body, @h) = @_;
    my $r = $t->json_put(config_path($name), $body, @h, { keep => 1 });
    $seen_worker{ $r->header('x-worker') // '?' }++;
    return $r;
}

my @round = (
    # [ what, sub returning the response, expected status ]
    [ 'allow', sub { put('dev-reports', config_body('dev-reports')) }, 200 ],
    [ 'deny', sub { put('prod-orders', config_body('prod-orders',
                        runtime => 'Python2.7')) }, 403 ],
    [ 'rewrite', sub { put('dev-reports', config_body('dev-reports',
                           code_encrypt_kms_key_id => undef)) }, 200 ],
    [ 'audit', sub { put('dev-reports', config_body('dev-reports',
                         user_data => 'password=hunter2')) }, 200 ],
    [ 'waiver', sub { put('legacy-billing', config_body('legacy-billing',
                          runtime => 'Python2.7')) }, 200 ],
    [ 'bad json', sub { put('dev-reports', '{"runtime":') }, 400 ],
    [ 'bad type', sub { put('dev-reports', config_body('dev-reports'),
                            'Content-Type' => 'text/plain') }, 415 ],
    [ 'bad target', sub {
        my $r = $t->json_put("/v2/$P/fgs//functions/" . urn('dev-reports')
                             . '/config', config_body('dev-reports'),
                             { keep => 1 });
        $seen_worker{ $r->header('x-worker') // '?' }++;
        $r }, 400 ],
    [ 'other write', sub {
        my $r = $t->request(method => 'DELETE', keep => 1,
                            target => function_path(urn('dev-reports'))
                                      . '/tags');
        $seen_worker{ $r->header('x-worker') // '?' }++;
        $r }, undef ],
    [ 'read', sub {
        my $r = $t->request(method => 'GET', keep => 1,
                            target => config_path('dev-reports'));
        $seen_worker{ $r->header('x-worker') // '?' }++;
        $r }, 200 ],
    [ 'upstream garbage', sub {
        $t->mock_behave({ garbage => JSON::PP::true, ops => ['config'] });
        put('dev-reports', config_body('dev-reports')) }, 502 ],
);

# what one round adds
my %per_round = (
    req_key('config', 'allow') => 3,    # allow, waiver, upstream garbage
    req_key('config', 'deny') => 1,
    req_key('config', 'rewrite') => 1,
    req_key('config', 'audit') => 1,
    req_key('config', 'error') => 2,
    req_key('unknown', 'error') => 1,
    req_key('other', 'audit') => 1,
    viol_key('runtime-allowlist', 'enforce') => 1,
    viol_key('vpc-required', 'enforce') => 1,
    viol_key('no-plaintext-secrets', 'audit') => 1,
    'fgs_policy_rewrites_total{rule="kms-default"}' => 1,
    'fgs_policy_waivers_total{rule="runtime-allowlist"}' => 1,
    'fgs_policy_errors_total{error_code="FGSPOL.4030"}' => 1,
    'fgs_policy_errors_total{error_code="FGSPOL.4000"}' => 1,
    'fgs_policy_errors_total{error_code="FGSPOL.4150"}' => 1,
    'fgs_policy_errors_total{error_code="FGSPOL.4002"}' => 1,
    'fgs_policy_errors_total{error_code="FGSPOL.5020"}' => 1,
);

# until both workers have served requests, and at least 3 rounds
my $rounds = 0;
my @wrong;
while ($rounds < 3 || keys %seen_worker < 2) {
    last if $rounds >= 30;
    $rounds++;
    for my $c (@round) {
        my ($what, $run, $status) = @$c;
        my $r = $run->();
        push @wrong, "$what: " . $r->summary
            if defined $status && $r->status != $status;
    }
}
is_deeply(\@wrong, [], "$rounds rounds, every answer as expected");
my @workers = $t->worker_pids;
is_deeply([sort { $a <=> $b } keys %seen_worker], \@workers,
          'both workers served requests')
    or diag(explain \%seen_worker);

my %want = map { $_ => $per_round{$_} * $rounds } keys %per_round;

# the other series of a fresh zone stay 0
for my $k (@series) {
    $want{$k} //= 0;
}

# The log phase counts a request just after its answer left: a scrape
# served by the other worker at that very moment could miss it, so look
# again, briefly, before calling a count wrong.
sub counters_settle {
    my ($want, $name) = @_;

    my ($r, $s);
    for (1 .. 20) {
        ($r, $s) = scrape();
        last if join(',', map { "$_=" . ($s->{$_} // '') } sort keys %$s)
                eq join(',', map { "$_=$want->{$_}" } sort keys %$want);
        sleep 0.1;
    }
    is_deeply($s, $want, $name) or diag($r->body);
    return ($r, $s);
}

my ($r1, $s1) = counters_settle(\%want,
    'every request counted once, whichever worker served it, and nothing '
    . 'else (reads are not governed)');

# every worker reads the same numbers
my %by_worker;
for (1 .. 40) {
    my ($r, $s) = scrape();
    $by_worker{ $r->header('x-worker') // '?' } = $s;
    last if keys %by_worker >= 2 && $_ >= 4;
}
is(scalar keys %by_worker, 2, 'scrapes answered by both workers');
is_deeply($_, $s1, 'the same counters from each worker')
    for values %by_worker;

my $sum_dec = 0;
$sum_dec += $s1->{$_} for grep { /^fgs_policy_requests_total/ } keys %$s1;
is($sum_dec, 10 * $rounds,
   'the request counters add up to the governed requests sent');


# a client that has its answer finds it counted in the very next scrape,
# whichever worker serves that (no waiting here)
my %late;
my $denials = $s1->{ req_key('config', 'deny') };
for my $i (1 .. 6) {
    put('prod-orders', config_body('prod-orders', runtime => 'Python2.7'));
    my ($r, $s) = scrape();
    $late{ $r->header('x-worker') // '?' } = 1;
    $denials++;
    is($s->{ req_key('config', 'deny') }, $denials,
       "denial $i counted by the time its answer arrived");
}
$s1 = (counters_settle({ %$s1, req_key('config', 'deny') => $denials,
    viol_key('runtime-allowlist', 'enforce')
        => $s1->{ viol_key('runtime-allowlist', 'enforce') } + 6,
    viol_key('vpc-required', 'enforce')
        => $s1->{ viol_key('vpc-required', 'enforce') } + 6,
    'fgs_policy_errors_total{error_code="FGSPOL.4030"}'
        => $s1->{'fgs_policy_errors_total{error_code="FGSPOL.4030"}'} + 6 },
    'the denials and their rules counted'))[1];

# a client that goes away in the middle of its body gets no answer: the
# request counts once, as an error, when nginx closes it
my $c = $t->connect;
my $full = config_body('dev-reports');
$c->send("PUT " . config_path('dev-reports') . " HTTP/1.1\r\n"
         . "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
         . 'Content-Length: ' . length($full) . "\r\n\r\n"
         . substr($full, 0, 10));
sleep 0.2;
$c->close;
$s1 = (counters_settle({ %$s1, req_key('config', 'error')
                               => $s1->{ req_key('config', 'error') } + 1 },
                       'an abandoned body counts once, as an error'))[1];


# --- a reload keeps the zone and its counters

ok($t->reload, 'reloaded') or diag($t->{reload_log});
counters_settle($s1, 'the counters are kept across a reload');

$t->{vars}{POLICY} = data_path('policy-rewrite.json');
ok($t->reload, 'reloaded with another policy') or diag($t->{reload_log});
my ($r3, $s3) = counters_settle($s1,
    'kept across a reload that swaps the policy, its rules\' series too');

$r = put('dev-reports', config_body('dev-reports', xrole => 'admin-agency'));
$t->is_status($r, 200, 'the new policy rewrites');
my %after = (%$s1);
$after{ req_key('config', 'rewrite') }++;
$after{'fgs_policy_rewrites_total{rule="drop-agencies"}'} = 1;
$after{'fgs_policy_rewrites_total{rule="concurrency-default"}'} = 1;
$after{'fgs_policy_rewrites_total{rule="small-tmp"}'} = 1;
$after{'fgs_policy_rewrites_total{rule="owner-tag"}'} = 1;
counters_settle(\%after, 'the new policy\'s rules add to the same zone');

# the names come sorted, one family at a time
my @rules = $r3->body
    =~ /^fgs_policy_violations_total\{rule="([^"]+)",mode="enforce"\}/mg;
is_deeply(\@rules, [sort @rules], 'series sorted by rule');



# --- audit records that cannot be written (a full disk: /dev/full)

sub audit_server {
    my ($fail) = @_;
    my $audit = "    fgs_policy_audit_log /dev/full;\n"
                . "    fgs_policy_audit_fail $fail;\n";
    (my $s = $server) =~ s{(fgs_policy %%POLICY%%;\n)}{$1$audit};
    return $s;
}

my ($r4, $s4) = scrape();
my $failures = 'fgs_policy_audit_write_failures_total';
my $unavailable = 'fgs_policy_errors_total{error_code="FGSPOL.5030"}';

ok($t->reload(server => audit_server('open')), 'reloaded: audit to a full '
   . 'disk, fgs_policy_audit_fail open') or diag($t->{reload_log});
$r = put('dev-reports', config_body('dev-reports'));
$t->is_status($r, 200, 'open: forwarded without its record');

# the record of the response is written after the response
my ($r5, $s5);
for (1 .. 20) {
    ($r5, $s5) = scrape();
    last if $s5->{$failures} > $s4->{$failures};
    sleep 0.1;
}
cmp_ok($s5->{$failures}, '>', $s4->{$failures},
       'the failed write is counted');

ok($t->reload(server => audit_server('closed')), 'reloaded: '
   . 'fgs_policy_audit_fail closed') or diag($t->{reload_log});
$r = put('dev-reports', config_body('dev-reports'));
$t->is_fgs_error($r, 503, 'FGSPOL.5030', 'closed: refused');
my ($r6, $s6) = scrape();
cmp_ok($s6->{$failures}, '>', $s5->{$failures},
       'the failed write is counted');
is($s6->{$unavailable}, ($s5->{$unavailable} // 0) + 1,
   'and the refusal by its error code');

$t->finish(allow => [ qr{fgs_policy: the audit record .* "/dev/full"} ]);
done_testing;

# A policy over its life in nginx (docs/policy-language.md, "Exceptions over
# time" and "Loading and reloading"; docs/errors.md, "Request ids"):
# exceptions that expired or expire within expiry_warning_days are [warn]ed
# by nginx -t, at start and on reload; a reload with a check the API
# reference refuses fails with the fix and the old policy keeps serving; a
# denial an expired exception would have waived names it; and every governed
# answer carries the gateway's request id in X-Fgs-Policy-Request-Id,
# FunctionGraph's own X-Request-Id notwithstanding.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

use POSIX qw(strftime);

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%PREFIX%%/conf/policy-life.json;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Var-Request-Id $request_id always;
    location / {
        %%PROXY%%
    }
CONF

my $file = $t->prefix . '/conf/policy-life.json';
my $soon = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 5 * 86400 + 60));
my $later = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 40 * 86400));

sub policy {
    my (%o) = @_;
    return json_encode({
        fgs_policy => 1,
        %{ $o{top} // {} },
        rules => [ { id => 'rt', operations => ['config', 'create'],
                     check => { runtime => { in => $o{runtimes}
                                             // ['Python3.12'] },
                                %{ $o{checks} // {} } } } ],
        exceptions => [
            { id => 'EXC-OLD', rules => ['rt'],
              match => { function => '^old-' },
              expires => '2020-01-01T00:00:00Z', reason => 'ran out' },
            { id => 'EXC-SOON', rules => ['rt'],
              match => { function => '^soon-' },
              expires => $soon, reason => 'runs out soon' },
            { id => 'EXC-LATER', rules => ['rt'],
              match => { function => '^later-' },
              expires => $later, reason => 'runs out later' } ] });
}

FgsTest::spew($file, policy());


# --- nginx -t

my ($rc, $said) = $t->nginx_t;
is($rc, 0, 'nginx -t: a policy with expired exceptions is accepted');
my $old_warn = 'fgs_policy: exception EXC-OLD expired at 2020-01-01T00:00:00Z: '
               . 'it waives nothing; renew its "expires" or remove it';
like($said, qr/\[warn\].*\Q$old_warn\E/,
     'nginx -t warns of the expired exception');
my $soon_warn = "fgs_policy: exception EXC-SOON expires at $soon, in 6 days "
                . '(expiry_warning_days: 14)';
like($said, qr/\[warn\].*\Q$soon_warn\E/,
     'nginx -t warns of the one expiring within 14 days');
unlike($said, qr/EXC-LATER/, 'nginx -t: not of one expiring in 40 days');


# --- start, and the answers

my $mark = $t->log_mark;
$t->start;
like($t->error_log(0), qr/\[warn\].*exception EXC-OLD expired/,
     'the start logs the expired exception at warn');

my %fn = (old => urn('old-billing'), dev => urn('dev-x'),
          soon => urn('soon-x'));
$t->seed_functions(values %fn);

sub body {
    my ($name, $runtime) = @_;
    return canonical_json({ func_name => $name, runtime => $runtime,
                            handler => 'index.handler', memory_size => 256,
                            timeout => 30 });
}

sub put {
    my ($name, $runtime) = @_;
    return $t->json_put(config_path($name), body($name, $runtime));
}

my $old_denial = 'denied by policy: rt: runtime "Python2.7" is not allowed; '
                 . 'use one of Python3.12 (exception EXC-OLD for this expired '
                 . 'on 2020-01-01T00:00:00Z)';
my $r = put('old-billing', 'Python2.7');
$t->is_fgs_error($r, 403, 'FGSPOL.4030',
                 'the function whose exception expired is denied',
                 msg => qr/^\Q$old_denial\E$/);
my $id = $r->header('x-fgs-policy-request-id');
like($id // '', qr/^[0-9a-f]{32}$/,
     'a denial carries X-Fgs-Policy-Request-Id: the gateway\'s $request_id');
is($r->header('x-request-id'), $id, '  the same as its X-Request-Id');
is($r->json && $r->json->{request_id}, $id, '  and as the body\'s request_id');

$r = put('dev-x', 'Python2.7');
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'a function with no exception',
                 msg => qr/use one of Python3\.12$/);
unlike($r->json ? $r->json->{error_msg} : '', qr/exception/,
       '  is told of no exception');

$r = put('soon-x', 'Python2.7');
$t->is_status($r, 200, 'the exception about to expire still waives');
$id = $r->header('x-fgs-policy-request-id');
like($id // '', qr/^[0-9a-f]{32}$/,
     'a forwarded answer carries X-Fgs-Policy-Request-Id');
my $fgs = $r->header('x-request-id');
ok(defined $fgs && $fgs ne $id,
   '  while FunctionGraph\'s own X-Request-Id passes through unchanged')
    or diag("X-Request-Id $fgs, X-Fgs-Policy-Request-Id $id");

is($r->header('x-var-request-id'), $id,
   '  the same as nginx\'s $request_id, which logs and the audit record use');

# the ids come from blocks of 256: across blocks they stay unique
my (%seen, $bad);
for my $i (1 .. 300) {
    my $x = put('soon-x', 'Python2.7');
    my $h = $x->header('x-fgs-policy-request-id') // '';
    $bad++ if $h !~ /^[0-9a-f]{32}$/ || $seen{$h}++
              || ($x->header('x-var-request-id') // '') ne $h;
}
ok(!$bad && keys %seen == 300,
   '300 answers: 300 distinct ids of 32 hex digits, each $request_id');

$r = $t->json_put(config_path('dev-x'),
                  canonical_json({ func_name => 'dev-x',
                                   runtime => 'Python3.12',
                                   handler => 'index.handler',
                                   memory_size => '256', timeout => 30 }));
$t->is_fgs_error($r, 400, 'FGSPOL.4001', 'a body the API reference refuses');
like($r->header('x-fgs-policy-request-id') // '', qr/^[0-9a-f]{32}$/,
     '  carries X-Fgs-Policy-Request-Id too');
is($r->header('x-fgs-policy-request-id'), $r->json && $r->json->{request_id},
   '  the body\'s request_id');

$r = $t->request(method => 'GET', target => '/v2/' . PROJECT
                                             . '/fgs/functions');
$t->is_status($r, 200, 'a read, which the gateway does not govern');
ok(!defined $r->header('x-fgs-policy-request-id'),
   '  carries no X-Fgs-Policy-Request-Id: only governed answers do');


# --- reload with a check the API reference refuses: the old one serves

FgsTest::spew($file, policy(checks => { memorysize => { max => 2048 } }));
ok(!$t->reload, 'a reload with "memorysize" in a check is refused');
like($t->{reload_log}, qr/\[emerg\].*rule\ "rt",\ field\ "check\[memorysize\]":
                          \ "memorysize"\ is\ not\ a\ field\ .*
                          did\ you\ mean\ `memory_size`\?/x,
     '  naming the file\'s rule, the field and the fix');
$r = put('dev-x', 'Java17');
$t->is_fgs_error($r, 403, 'FGSPOL.4030',
                 '  and the old policy keeps serving: Java17 still denied');

FgsTest::spew($file, policy(runtimes => ['Java17'],
                            checks => { memory_size => { max => 'x' } }));
ok(!$t->reload, 'a reload with a max that is no number is refused');

FgsTest::spew($file, policy(runtimes => ['Java17'],
                            checks => { memory_size => { pattern => '^1' } }));
ok(!$t->reload, 'a reload with a pattern on memory_size is refused');
like($t->{reload_log}, qr/"pattern"\ matches\ a\ string,\ but\ memory_size
                          \ is\ an\ integer\ .*use\ min,\ max\ or\ in/x,
     '  saying what to use instead');


# --- reload with a good policy: warnings again, and it serves

FgsTest::spew($file, policy(runtimes => ['Java17'],
                            top => { expiry_warning_days => 60 }));
ok($t->reload, 'a good policy reloads');
like($t->{reload_log}, qr/\[warn\].*exception EXC-OLD expired/,
     '  warning of the expired exception');
my $later_warn = "exception EXC-LATER expires at $later, in 40 days "
                 . '(expiry_warning_days: 60)';
like($t->{reload_log}, qr/\[warn\].*\Q$later_warn\E/,
     '  and, with expiry_warning_days 60, of the one 40 days away');
$r = put('dev-x', 'Java17');
$t->is_status($r, 200, '  and serves: Java17 allowed now');

$t->stop;

done_testing();

# Answers and audit records are bounded, whatever the body (docs/errors.md,
# "Violations"): at most 100 violations are listed, of the policy as of the
# API reference, with the total stated; a policy pattern's "$" is the end of
# the string.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $policy = json_encode({ fgs_policy => 1, rules => [
    { id => 'sg-allowlist', operations => ['config'],
      check => { 'func_vpc.security_groups[*]' => { in => ['sg-ok'] } } },
    { id => 'sg-audit', operations => ['config'], mode => 'audit',
      check => { 'func_vpc.security_groups[*]' => { pattern => '^sg-$' } } },
    { id => 'approved', operations => ['config'],
      check => { description => { pattern => '^approved$' } } },
] });

my $t = FgsTest->new(
    vars => { POLICY => '%%PREFIX%%/data/cap.json' },
    server => <<'CONF');
    fgs_policy %%PREFIX%%/data/cap.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    add_header X-Fgs-Request-Id $request_id always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    location / {
        client_max_body_size 4m;
        %%PROXY%%
    }
CONF
FgsTest::spew($t->prefix . '/data/cap.json', $policy);
$t->start;
$t->seed_functions(urn('fn-cap'));

my $audit = $t->prefix . '/logs/audit.log';
my $path = config_path('fn-cap');

# security group ids as long as the cloud's: a body may hold a value per
# 16 bytes (docs/policy-language.md, "What a governed body must be")
sub body_with_groups {
    my ($n, %o) = @_;
    my $sg = 'sg-bad-0000-0000-0000-000000000000';
    return config_json('fn-cap', description => 'approved',
                       func_vpc => { vpc_id => 'vpc-1', subnet_id => 's-1',
                                     security_groups => [ ($sg) x $n ] },
                       %o);
}

# the request record of a response; it may wait in the file's buffer for
# up to flush= (docs/audit.md, "Buffering")
sub record_of {
    my ($r) = @_;
    my $id = $r->header('x-fgs-request-id') // '';
    my @recs;
    for (1 .. 60) {
        @recs = grep { ($_->{request_id} // '') eq $id }
                $t->audit_records('request', $audit);
        last if @recs;
        select undef, undef, undef, 0.05;
    }
    return $recs[0];
}

# 65,000 matches of a wildcard rule: 100 listed, the rest counted
my $body = body_with_groups(65_000);
my $r = $t->json_put($path, $body, { timeout => 60 });
my $err = $t->is_fgs_error($r, 403, 'FGSPOL.4030',
                           '65,000 violations of a wildcard rule: denied',
                           msg => qr/\(and 64999 more\)/);
$t->upstream_got_nothing('nothing forwarded');
ok(length($r->body) < 32 * 1024,
   'the error body stays small: ' . length($r->body) . ' bytes');
if ($err) {
    my @v = @{ $err->{violations} };
    is(scalar(grep { $_->{message} !~ /not listed/ } @v), 100,
       '100 violations listed');
    my @sum = grep { $_->{message} =~ /not listed/ } @v;
    is(scalar @sum, 1, 'and one summary');
    like($sum[0]{message} // '',
         qr/^64900 more violations of rule sg-allowlist were found and not listed/,
         'the summary names the rule and the count');
    is($sum[0]{rule}, 'sg-allowlist', 'the summary carries the rule');
}
is($r->header('x-fgs-rules'), 'sg-allowlist,sg-audit',
   'both rules acted, the audited one though none of its is listed');

my $rec = record_of($r);
ok($rec, 'an audit record');
if ($rec) {
    my @v = @{ $rec->{violations} // [] };
    is(scalar(grep { $_->{message} !~ /not listed/ } @v), 100,
       'the record lists 100 violations in all');
    ok((grep { ($_->{message} // '') =~ /^65000 more violations of rule sg-audit were found/ } @v),
       'and counts the audited ones it has no room for');
    ok(length(join '', FgsTest::slurp($audit)) < 128 * 1024,
       'the audit file stays small');
}

# 101 violations: one more, singular
$r = $t->json_put($path, body_with_groups(101));
$err = $t->is_fgs_error($r, 403, 'FGSPOL.4030', '101 violations');
ok($err && (grep { $_->{message} =~ /^1 more violation of rule sg-allowlist was found and not listed/ }
            @{ $err->{violations} }),
   '"1 more violation ... was found"');

# exactly 100: all listed, no summary
$r = $t->json_put($path, body_with_groups(100));
$err = $t->is_fgs_error($r, 403, 'FGSPOL.4030', '100 violations',
                        nviolations => 100);

# the API reference: 65,000 unknown keys, 100 listed and the rest counted
# (keys of 16 characters or so: a value per 16 bytes reaches the check)
my $keys = '{"func_name":"fn-cap","runtime":"Python3.12","handler":"i.h",'
           . '"memory_size":512,"timeout":30'
           . join('', map { ",\"unknown_field_$_\":1" } 1 .. 65_000) . '}';
ok(length($keys) >= 65_006 * 16, 'the body is long enough for its '
   . 'values: ' . length($keys) . ' bytes');
$r = $t->json_put($path, $keys, { timeout => 60 });
$err = $t->is_fgs_error($r, 400, 'FGSPOL.4001', '65,000 unknown keys',
                        nviolations => 101,
                        msg => qr/\(and 64999 more violations; violations lists 99 of them\)/);
ok($err && $err->{violations}[-1]{message}
         =~ /^64900 more violations of the API reference were found/,
   'the last one counts the rest');

# "$" is the end: a trailing newline does not match
$r = $t->json_put($path, body_with_groups(0, description => "approved\n"));
$t->is_fgs_error($r, 403, 'FGSPOL.4030',
                 '"^approved$" refuses "approved\n"',
                 rules => ['approved']);
$r = $t->json_put($path, body_with_groups(0, description => 'approved'));
$t->is_status($r, 200, '"^approved$" accepts "approved"');

$t->finish;
done_testing();

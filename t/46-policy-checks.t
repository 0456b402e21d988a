# Every check kind through nginx (docs/policy-language.md, "Checks"):
# required, forbidden, type, in, not_in, pattern, not_pattern, min, max,
# max_length (bytes of a string, items of an array), max_decoded_bytes;
# every path form (top-level, dotted, [*], nested [*]...field) and "when";
# each mode (a rule's audit, the file's audit, fgs_policy_mode over both);
# and the mutations set, set_default (creating the parent) and remove, with
# the exact bytes forwarded.  t/data/policy-checks.json scopes each rule to
# functions named with its prefix, so each request meets one rule.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(
    vars => { POLICY => data_path('policy-checks.json'), MODE => '' },
    server => <<'CONF');
    fgs_policy %%POLICY%%;
    %%MODE%%
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    location / {
        %%PROXY%%
    }
CONF
$t->start;

my @names = qw(required-a forbidden-a type-a in-a notin-a pattern-a
               notpattern-a min-a max-a maxlen-a maxdec-a when-a
               auditrule-a mut-a mutaudit-a plain-a);
$t->seed_functions(map { urn($_) } @names);

sub b64_of { return encode_base64('x' x $_[0], ''); }

sub code_json {
    my (%o) = @_;
    return canonical_json({ code_type => 'zip', code_filename => 'index.zip',
                            func_code => { file => b64_of(8) }, %o });
}

my $vpc = { vpc_id => 'vpc-1', subnet_id => 'subnet-1' };
sub mounts {
    my (@res) = @_;
    my $user = ref $res[0] ? shift @res
                           : { user_id => 1000, user_group_id => 1000 };
    return { mount_user => $user,
             func_mounts => [ map { { mount_type => 'sfs',
                                      mount_resource => $_,
                                      local_mount_path => '/mnt/x' } } @res ] };
}

# One request: $want is 'allow' (forwarded byte for byte), 'audit'
# (forwarded byte for byte, $rules in $fgs_policy_rules) or 'deny' (403
# FGSPOL.4030 naming exactly the "rule:field" violations in $viol).
sub decide {
    my ($name, $fn, $op, $body, $want, $viol) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $path = $op eq 'code' ? code_path($fn) : config_path($fn);
    my $r = $t->json_put($path, $body);
    subtest $name => sub {
        is($r->header('x-fgs-decision'), $want, "decision $want")
            or diag($r->summary);
        if ($want eq 'deny') {
            is($r->status, 403, 'status 403');
            my $e = eval { json_decode($r->body) } // {};
            is($e->{error_code}, 'FGSPOL.4030', 'FGSPOL.4030');
            my @got = sort map { "$_->{rule}:$_->{field}" }
                      @{ $e->{violations} // [] };
            is_deeply(\@got, [ sort @$viol ], 'violations: '
                      . join(' ', @$viol)) or diag($r->body);
            my @rules = do { my %s; grep { !$s{$_}++ }
                             map { (split /:/)[0] } @$viol };
            is($r->header('x-fgs-rules'), join(',', @rules),
               '$fgs_policy_rules');
            $t->upstream_got_nothing('nothing forwarded');
            return;
        }
        is($r->status, 200, 'forwarded') or diag($r->summary);
        is($r->header('x-fgs-rules') // '', join(',', @{ $viol // [] }),
           '$fgs_policy_rules: ' . join(',', @{ $viol // [] }));
        $t->upstream_got('PUT', $path, $body, 'byte for byte');
    };
    return $r;
}


# --- required: top-level and dotted

decide('required: both present', 'required-a', 'config',
       config_json('required-a', description => 'd', func_vpc => $vpc),
       'allow');
decide('required: both missing', 'required-a', 'config',
       config_json('required-a'), 'deny',
       ['required-fields:description', 'required-fields:func_vpc.vpc_id']);
decide('required: the dotted one missing', 'required-a', 'config',
       config_json('required-a', description => 'd'), 'deny',
       ['required-fields:func_vpc.vpc_id']);

# --- forbidden

decide('forbidden: absent', 'forbidden-a', 'config',
       config_json('forbidden-a'), 'allow');
decide('forbidden: present', 'forbidden-a', 'config',
       config_json('forbidden-a', gpu_memory => 1024), 'deny',
       ['forbidden-gpu:gpu_memory']);

# --- type: MountUser ids may be strings to the API reference

decide('type integer: an integer', 'type-a', 'config',
       config_json('type-a', mount_config => mounts()), 'allow');
decide('type integer: a string of digits', 'type-a', 'config',
       config_json('type-a', mount_config => mounts({ user_id => '1000',
                                                      user_group_id => 1000 })),
       'deny', ['type-user-id:mount_config.mount_user.user_id']);

# --- in (top-level), exact and case-sensitive

decide('in: listed', 'in-a', 'config',
       config_json('in-a', runtime => 'Java17'), 'allow');
for my $rt ('Python2.7', 'python3.12', 'Python3.12 ') {
    decide("in: '$rt' is not listed", 'in-a', 'config',
           config_json('in-a', runtime => $rt), 'deny',
           ['in-runtime:runtime']);
}
decide('in: an escaped listed value is the value',
       'in-a', 'config',
       '{"func_name":"in-a","runtime":"Java\u00317","handler":"index.handler",'
       . '"memory_size":512,"timeout":30}', 'allow');

# --- not_in on [*]: each element, named by its index

decide('not_in [*]: no element listed', 'notin-a', 'config',
       config_json('notin-a', func_vpc => { %$vpc,
                   security_groups => ['sg-1', 'sg-2'] }), 'allow');
decide('not_in [*]: the second element listed', 'notin-a', 'config',
       config_json('notin-a', func_vpc => { %$vpc,
                   security_groups => ['sg-1', 'sg-open-world'] }), 'deny',
       ['not-in-security-group:func_vpc.security_groups[1]']);
decide('not_in [*]: an empty array has no element', 'notin-a', 'config',
       config_json('notin-a', func_vpc => { %$vpc, security_groups => [] }),
       'allow');

# --- pattern on nested [*]...field

decide('pattern [*].field: every element matches', 'pattern-a', 'config',
       config_json('pattern-a', mount_config => mounts('sfs-a1', 'sfs-b2')),
       'allow');
decide('pattern [*].field: elements 0 and 2 do not', 'pattern-a', 'config',
       config_json('pattern-a',
                   mount_config => mounts('nfs-a1', 'sfs-b2', 'sfs-B3')),
       'deny', ['pattern-mount:mount_config.func_mounts[0].mount_resource',
                'pattern-mount:mount_config.func_mounts[2].mount_resource']);

# --- not_pattern: and the match is never quoted back

decide('not_pattern: clean', 'notpattern-a', 'config',
       config_json('notpattern-a', description => 'reports job'), 'allow');
my $r = decide('not_pattern: matched', 'notpattern-a', 'config',
       config_json('notpattern-a', description => 'db PassWord=hunter2'),
       'deny', ['not-pattern-description:description']);
unlike($r->body, qr/hunter2|PassWord/,
       'not_pattern: the error does not quote what matched');

# --- min and max, at and past the bounds

decide('min: at the bound', 'min-a', 'config',
       config_json('min-a', memory_size => 256), 'allow');
decide('min: below', 'min-a', 'config',
       config_json('min-a', memory_size => 255), 'deny',
       ['min-memory:memory_size']);
decide('max: at the bound', 'max-a', 'config',
       config_json('max-a', timeout => 900), 'allow');
decide('max: above', 'max-a', 'config',
       config_json('max-a', timeout => 901), 'deny',
       ['max-timeout:timeout']);

# --- max_length: bytes of the unescaped string, items of an array

decide('max_length: 10 bytes of a string', 'maxlen-a', 'config',
       config_json('maxlen-a', description => "\x{e9}" x 5), 'allow');
decide('max_length: 12 bytes in 6 characters', 'maxlen-a', 'config',
       config_json('maxlen-a', description => "\x{e9}" x 6), 'deny',
       ['max-length:description']);
decide('max_length: escapes count as the bytes they stand for',
       'maxlen-a', 'config',
       '{"func_name":"maxlen-a","runtime":"Python3.12","handler":"index.'
       . 'handler","memory_size":512,"timeout":30,"description":'
       . '"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}', 'deny',
       ['max-length:description']);
decide('max_length: 2 items', 'maxlen-a', 'config',
       config_json('maxlen-a', func_vpc => { %$vpc,
                   security_groups => ['a', 'b'] }), 'allow');
decide('max_length: 3 items', 'maxlen-a', 'config',
       config_json('maxlen-a', func_vpc => { %$vpc,
                   security_groups => ['a', 'b', 'c'] }), 'deny',
       ['max-length:func_vpc.security_groups']);

# --- max_decoded_bytes (code)

decide('max_decoded_bytes: 16 bytes', 'maxdec-a', 'code',
       code_json(func_code => { file => b64_of(16) }), 'allow');
decide('max_decoded_bytes: 17 bytes', 'maxdec-a', 'code',
       code_json(func_code => { file => b64_of(17) }), 'deny',
       ['max-decoded:func_code.file']);

# --- when: the rule applies only to OBS code

decide('when: zip code is out of scope', 'when-a', 'code', code_json(),
       'allow');
decide('when: OBS code from the approved bucket', 'when-a', 'code',
       canonical_json({ code_type => 'obs', func_code => {},
                        code_url => 'https://approved.obs.example/a.zip' }),
       'allow');
decide('when: OBS code from elsewhere', 'when-a', 'code',
       canonical_json({ code_type => 'obs', func_code => {},
                        code_url => 'https://elsewhere.obs.example/a.zip' }),
       'deny', ['when-obs:code_url']);

# --- a rule in audit mode: forwarded untouched, the rule named

decide('rule mode audit: a violation is audited', 'auditrule-a', 'config',
       config_json('auditrule-a', runtime => 'Java17'), 'audit',
       ['audit-runtime']);
decide('rule mode audit: compliant', 'auditrule-a', 'config',
       config_json('auditrule-a'), 'allow');
decide('rule mode audit: its set_default only audited', 'mutaudit-a',
       'config', config_json('mutaudit-a'), 'audit', ['mutate-audited']);


# --- mutations: the exact bytes forwarded

sub rewritten {
    my ($name, $fn, $body, $want, $rules) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $r = $t->json_put(config_path($fn), $body);
    subtest $name => sub {
        is($r->status, 200, 'forwarded') or diag($r->summary);
        is($r->header('x-fgs-decision'), 'rewrite', 'decision rewrite');
        is($r->header('x-fgs-rules'), $rules, "\$fgs_policy_rules $rules");
        my $recs = $t->mock_requests;
        is(scalar @$recs, 1, 'the upstream got one request');
        my $rec = $recs->[0] or return;
        ok($rec->{body} eq $want, 'the forwarded bytes')
            or diag(FgsTest::first_difference($rec->{body}, $want));
        is($rec->{headers}{'content-length'}, length $want,
           'Content-Length of the rewritten body');
    };
}

my $head = '{"func_name":"mut-a","runtime":"Python3.12",';
rewritten('set replaces a value in place, remove takes a member and its '
          . 'comma, set_default creates the parent at the end', 'mut-a',
          $head . '"xrole":"agency","handler":"index.handler",'
          . '"ephemeral_storage":10240,"memory_size":512,"timeout":30}',
          $head . '"handler":"index.handler","ephemeral_storage":512,'
          . '"memory_size":512,"timeout":30,'
          . '"lts_custom_tag":{"owner":"platform"}}',
          'mutate-set,mutate-set-default,mutate-remove');
rewritten('set adds a missing field; set_default fills an object; remove '
          . 'of the last member', 'mut-a',
          $head . '"handler":"index.handler","memory_size":512,'
          . '"timeout":30,"lts_custom_tag":{"team":"a"},'
          . '"xrole":"agency"}',
          $head . '"handler":"index.handler","memory_size":512,'
          . '"timeout":30,"lts_custom_tag":{"team":"a","owner":"platform"},'
          . '"ephemeral_storage":512}',
          'mutate-set,mutate-set-default,mutate-remove');

my $pretty = "{\n  \"func_name\": \"mut-a\",\n  \"runtime\": \"Python3.12\",\n"
    . "  \"handler\": \"index.handler\",\n  \"memory_size\": 512,\n"
    . "  \"timeout\": 30,\n  \"ephemeral_storage\": 10240,\n"
    . "  \"lts_custom_tag\": { \"owner\": \"me\" }\n}\n";
(my $pretty_want = $pretty)
    =~ s/"ephemeral_storage": 10240/"ephemeral_storage": 512/;
rewritten('pretty-printed: only the value of the set changes', 'mut-a',
          $pretty, $pretty_want, 'mutate-set');

my $done = $head . '"handler":"index.handler","memory_size":512,'
           . '"timeout":30,"ephemeral_storage":512,'
           . '"lts_custom_tag":{"owner":"me"}}';
decide('set to the value present, a default already set: byte for byte',
       'mut-a', 'config', $done, 'allow');


# --- the file's mode: audit; then fgs_policy_mode over it

my $audit_file = $t->prefix . '/conf/policy-checks-audit.json';
{
    my $text = FgsTest::slurp(data_path('policy-checks.json'));
    my $n = ($text =~ s/"mode": "enforce"/"mode": "audit"/);
    is($n, 1, 'a copy of the policy with "mode": "audit"');
    FgsTest::spew($audit_file, $text);
}

my $denied = config_json('in-a', runtime => 'Python2.7');
my $mutable = $head . '"xrole":"agency","handler":"index.handler",'
              . '"ephemeral_storage":10240,"memory_size":512,"timeout":30}';

ok($t->reload(vars => { POLICY => $audit_file, MODE => '' }),
   'reload: the policy in audit mode');
decide('file mode audit: a denial is audited', 'in-a', 'config', $denied,
       'audit', ['in-runtime']);
decide('file mode audit: mutations are audited, not made', 'mut-a',
       'config', $mutable, 'audit',
       ['mutate-set', 'mutate-set-default', 'mutate-remove']);

ok($t->reload(vars => { POLICY => $audit_file,
                        MODE => 'fgs_policy_mode enforce;' }),
   'reload: fgs_policy_mode enforce over the audit file');
decide('fgs_policy_mode enforce: denied again', 'in-a', 'config', $denied,
       'deny', ['in-runtime:runtime']);
decide('fgs_policy_mode enforce: over a rule\'s own audit mode too',
       'auditrule-a', 'config', config_json('auditrule-a', runtime => 'Java17'),
       'deny', ['audit-runtime:runtime']);
rewritten('fgs_policy_mode enforce: mutations made', 'mut-a', $mutable,
          $head . '"handler":"index.handler","ephemeral_storage":512,'
          . '"memory_size":512,"timeout":30,'
          . '"lts_custom_tag":{"owner":"platform"}}',
          'mutate-set,mutate-set-default,mutate-remove');

ok($t->reload(vars => { POLICY => data_path('policy-checks.json'),
                        MODE => 'fgs_policy_mode audit;' }),
   'reload: fgs_policy_mode audit over the enforcing file');
decide('fgs_policy_mode audit: a denial is audited', 'in-a', 'config',
       $denied, 'audit', ['in-runtime']);
decide('fgs_policy_mode audit: several violations, one request',
       'required-a', 'config', config_json('required-a'), 'audit',
       ['required-fields']);
decide('fgs_policy_mode audit: mutations audited', 'mut-a', 'config',
       $mutable, 'audit',
       ['mutate-set', 'mutate-set-default', 'mutate-remove']);

ok($t->reload(vars => { POLICY => data_path('policy-checks.json'),
                        MODE => '' }), 'reload: the file\'s own mode');
decide('enforce again', 'in-a', 'config', $denied, 'deny',
       ['in-runtime:runtime']);

$t->finish;
done_testing;

# Policies that must be refused at load (docs/policy-language.md, "Loading
# and reloading", "Checks" and "Rewrites"), beyond the classes t/01-build.t
# already covers (bad JSON, unknown rule key, bad regex, duplicate rule id,
# unknown check, version, modes, operation, id, other_writes, duplicate key,
# expires, match regex): nginx -t fails with an [emerg] naming the file, the
# rule (or exception) and the field, and `fgs-policy check` refuses the same
# file with the same file, rule, field and message; mutations that could
# make a body the API reference refuses are among them.  A server that was
# running keeps its policy when a reload meets any of them.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $CLI = $FgsTest::CLI;

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%POLICY%%;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        %%PROXY%%
    }
CONF

# a policy with one rule (or the given rules), as text
sub with_rules {
    my (@rules) = @_;
    return '{"fgs_policy":1,"rules":[' . join(',', @rules) . ']}';
}

my $ok_rule = '{"id":"good-rule","operations":["config"],'
              . '"check":{"runtime":{"in":["Java17"]}}}';

sub with_exception {
    my ($exc) = @_;
    return '{"fgs_policy":1,"rules":[' . $ok_rule . '],"exceptions":['
           . $exc . ']}';
}

# name, policy text, rule (or exception) id or undef, field pattern,
# message pattern
my @bad = (
    [ 'not an object', '["fgs_policy", 1]', undef, undef,
      qr/JSON object/ ],
    [ 'no "fgs_policy" key', '{"rules":[]}', undef, qr/^fgs_policy$/,
      qr/missing/ ],
    [ 'an unknown top-level key', '{"fgs_policy":1,"rules":[],"rulez":[]}',
      undef, qr/^rulez$/, qr/unknown key/ ],
    [ 'no rules', '{"fgs_policy":1}', undef, qr/^rules$/, qr/needs/ ],
    [ 'rules not a list', '{"fgs_policy":1,"rules":{}}', undef,
      qr/^rules$/, qr/list/ ],
    [ 'a rule that is not an object', with_rules('"r1"'), 'rules[0]', undef,
      qr/a rule is a JSON object/ ],
    [ 'a rule without id', with_rules('{"check":{"runtime":'
      . '{"in":["Java17"]}}}'), 'rules[0]', qr/^id$/, qr/needs an id/ ],
    [ 'a rule that does nothing', with_rules('{"id":"idle-rule",'
      . '"description":"nothing"}'), 'idle-rule', undef,
      qr/does nothing/ ],
    [ 'a rule description not a string', with_rules('{"id":"desc-rule",'
      . '"description":5,"check":{"runtime":{"required":true}}}'),
      'desc-rule', qr/^description$/, qr/string/ ],
    [ '"other" as a rule operation', with_rules('{"id":"other-rule",'
      . '"operations":["other"],"check":{"runtime":{"required":true}}}'),
      'other-rule', qr/^operations$/, qr/other_writes/ ],
    [ 'an empty operations list', with_rules('{"id":"noop-rule",'
      . '"operations":[],"check":{"runtime":{"required":true}}}'),
      'noop-rule', qr/^operations$/, qr/non-empty/ ],
    [ 'an unknown match key', with_rules('{"id":"match-key-rule",'
      . '"match":{"functoin":"^a"},"check":{"runtime":{"required":true}}}'),
      'match-key-rule', qr/match/, qr/unknown key "functoin"/ ],
    [ 'a match project id of the wrong form', with_rules('{"id":'
      . '"match-proj-rule","match":{"project_id":["abc"]},"check":'
      . '{"runtime":{"required":true}}}'), 'match-proj-rule',
      qr/project_id/, qr/32 letters or digits/ ],
    [ 'a match pattern that is not a string', with_rules('{"id":'
      . '"match-type-rule","match":{"function":5},"check":{"runtime":'
      . '{"required":true}}}'), 'match-type-rule', qr/function/,
      qr/PCRE2 pattern/ ],
    [ 'a check that is not an object', with_rules('{"id":"check-rule",'
      . '"check":["runtime"]}'), 'check-rule', qr/^check$/,
      qr/path -> checks/ ],
    [ 'a "when" that is not an object', with_rules('{"id":"when-rule",'
      . '"when":true,"check":{"runtime":{"required":true}}}'), 'when-rule',
      qr/^when$/, qr/path -> checks/ ],
    [ 'a path with an empty segment', with_rules('{"id":"path-rule",'
      . '"check":{"func_vpc..vpc_id":{"required":true}}}'), 'path-rule',
      qr/func_vpc\.\.vpc_id/, qr/bad path/ ],
    [ 'no checks for a path', with_rules('{"id":"empty-check-rule",'
      . '"check":{"runtime":{}}}'), 'empty-check-rule',
      qr/check\[runtime\]/, qr/object of checks/ ],
    [ 'forbidden with another check', with_rules('{"id":"forbid-rule",'
      . '"check":{"gpu_memory":{"forbidden":true,"max":1}}}'),
      'forbid-rule', qr/check\[gpu_memory\]/, qr/cannot be combined/ ],
    [ 'min greater than max', with_rules('{"id":"range-rule","check":'
      . '{"memory_size":{"min":2048,"max":128}}}'), 'range-rule',
      qr/check\[memory_size\]/, qr/min is greater than max/ ],
    [ 'required not a boolean', with_rules('{"id":"req-rule","check":'
      . '{"runtime":{"required":"yes"}}}'), 'req-rule',
      qr/check\[runtime\]\.required/, qr/true or false/ ],
    [ 'an empty "in" list', with_rules('{"id":"in-rule","check":'
      . '{"runtime":{"in":[]}}}'), 'in-rule', qr/check\[runtime\]\.in/,
      qr/non-empty list/ ],
    [ 'an object in an "in" list', with_rules('{"id":"in-obj-rule",'
      . '"check":{"runtime":{"in":[{"a":1}]}}}'), 'in-obj-rule',
      qr/check\[runtime\]\.in/, qr/lists strings, numbers/ ],
    [ 'a "not_in" that is not a list', with_rules('{"id":"notin-rule",'
      . '"check":{"runtime":{"not_in":"Python2.7"}}}'), 'notin-rule',
      qr/check\[runtime\]\.not_in/, qr/list/ ],
    [ 'a min that is not a number', with_rules('{"id":"min-rule",'
      . '"check":{"memory_size":{"min":"128"}}}'), 'min-rule',
      qr/check\[memory_size\]\.min/, qr/must be a number/ ],
    [ 'a negative max_length', with_rules('{"id":"len-rule","check":'
      . '{"description":{"max_length":-1}}}'), 'len-rule',
      qr/check\[description\]\.max_length/, qr/non-negative integer/ ],
    [ 'a fractional max_decoded_bytes', with_rules('{"id":"dec-rule",'
      . '"check":{"func_code.file":{"max_decoded_bytes":1.5}}}'),
      'dec-rule', qr/check\[func_code\.file\]\.max_decoded_bytes/,
      qr/non-negative integer/ ],
    [ 'an unknown type name', with_rules('{"id":"type-rule","check":'
      . '{"runtime":{"type":"text"}}}'), 'type-rule',
      qr/check\[runtime\]\.type/, qr/unknown type/ ],
    [ 'a bad not_pattern', with_rules('{"id":"notpat-rule","check":'
      . '{"user_data":{"not_pattern":"(secret"}}}'), 'notpat-rule',
      qr/check\[user_data\]\.not_pattern/, qr/./ ],
    [ 'a bad pattern in "when"', with_rules('{"id":"when-pat-rule",'
      . '"when":{"code_type":{"pattern":"[obs"}},"check":{"code_url":'
      . '{"required":true}}}'), 'when-pat-rule',
      qr/when\[code_type\]\.pattern/, qr/./ ],
    [ 'a mutation path with [*]', with_rules('{"id":"mut-star-rule",'
      . '"set_default":{"func_vpc.security_groups[*]":"sg-1"}}'),
      'mut-star-rule', qr/security_groups\[\*\]/, qr/mutation/ ],
    [ 'set_default not an object', with_rules('{"id":"setdef-rule",'
      . '"set_default":["timeout"]}'), 'setdef-rule', qr/^set_default$/,
      qr/object/ ],
    [ 'set not an object', with_rules('{"id":"set-rule","set":5}'),
      'set-rule', qr/^set$/, qr/object/ ],
    [ 'remove not a list', with_rules('{"id":"remove-rule",'
      . '"remove":"xrole"}'), 'remove-rule', qr/^remove$/,
      qr/non-empty list/ ],
    [ 'remove of a non-path', with_rules('{"id":"remove-item-rule",'
      . '"remove":[5]}'), 'remove-item-rule', qr/remove/,
      qr/must be a path/ ],
    # mutations checked against the API reference: a rewritten body is
    # not checked again, so no mutation may make one that does not conform
    [ 'a set_default that creates a partial object', with_rules('{"id":'
      . '"conc-rule","operations":["config"],"set_default":'
      . '{"strategy_config.concurrency":10}}'), 'conc-rule',
      qr/^set_default\[strategy_config\.concurrency\]$/,
      qr/strategy_config\.concurrent_num is required in StrategyConfig/ ],
    [ 'a set_default of the wrong type', with_rules('{"id":"kms-rule",'
      . '"set_default":{"code_encrypt_kms_key_id":42}}'), 'kms-rule',
      qr/^set_default\[code_encrypt_kms_key_id\]$/,
      qr/would not conform .* must be/ ],
    [ 'a set out of the documented range', with_rules('{"id":'
      . '"timeout-rule","operations":["config"],"set":{"timeout":1}}'),
      'timeout-rule', qr/^set\[timeout\]$/, qr/would not conform/ ],
    [ 'a set of a field the reference does not have', with_rules('{"id":'
      . '"typo-rule","operations":["config"],"set":{"descripton":"x"}}'),
      'typo-rule', qr/^set\[descripton\]$/,
      qr/not in the FunctionGraph API reference/ ],
    [ 'a set of a field the operation does not take', with_rules('{"id":'
      . '"op-rule","operations":["code"],"set":{"xrole":"x"}}'), 'op-rule',
      qr/^set\[xrole\]$/, qr/is not a field of PUT/ ],
    [ 'a set of an object without a required member', with_rules('{"id":'
      . '"vpc-rule","operations":["config"],"set":{"func_vpc":'
      . '{"vpc_id":"v"}}}'), 'vpc-rule', qr/^set\[func_vpc\]$/,
      qr/func_vpc\.subnet_id is required in FuncVpc/ ],
    [ 'a remove of a required field', with_rules('{"id":"rm-rule",'
      . '"operations":["config","create"],"remove":["memory_size"]}'),
      'rm-rule', qr/^remove\[memory_size\]$/,
      qr/requires it in the request body for the config operation/ ],
    [ 'a set whose result depends on the request', with_rules('{"id":'
      . '"rt-rule","operations":["config"],"set":{"runtime":"Java17"}}'),
      'rt-rule', qr/^set\[runtime\]$/, qr/would depend on the request/ ],

    # checks are held to the API reference as mutations are: each of these
    # loaded once, then never applied or denied every request
    [ 'a check of a misspelt field', with_rules('{"id":"mem-rule",'
      . '"operations":["config","create"],"check":{"memorysize":'
      . '{"max":2048}}}'), 'mem-rule', qr/^check\[memorysize\]$/,
      qr/did you mean `memory_size`\?/ ],
    [ 'a check of a misspelt nested field', with_rules('{"id":"vpc-rule",'
      . '"operations":["config"],"check":{"func_vpc.vpcid":'
      . '{"required":true}}}'), 'vpc-rule', qr/^check\[func_vpc\.vpcid\]$/,
      qr/did you mean `vpc_id`\?/ ],
    [ 'max on a string field', with_rules('{"id":"rt-rule",'
      . '"operations":["config"],"check":{"runtime":{"max":10}}}'),
      'rt-rule', qr/^check\[runtime\]$/,
      qr/"max" bounds a number, but runtime is a string.*use max_length/ ],
    [ 'pattern on an integer field', with_rules('{"id":"mem-rule",'
      . '"operations":["config"],"check":{"memory_size":'
      . '{"pattern":"^1"}}}'), 'mem-rule', qr/^check\[memory_size\]$/,
      qr/"pattern" matches a string.*use min, max or in/ ],
    [ 'a number in the "in" of a string field', with_rules('{"id":'
      . '"rt-rule","operations":["config"],"check":{"runtime":'
      . '{"in":["Python3.12",17]}}}'), 'rt-rule', qr/^check\[runtime\]$/,
      qr/"in" lists a number \(item 2\).*list only values of that type/ ],
    [ 'max_decoded_bytes on a field that is not base64', with_rules('{"id":'
      . '"ud-rule","operations":["config"],"check":{"user_data":'
      . '{"max_decoded_bytes":10}}}'), 'ud-rule', qr/^check\[user_data\]$/,
      qr/not base64 .*use max_length/ ],
    [ 'a key of an array without [*]', with_rules('{"id":"mnt-rule",'
      . '"operations":["config"],"check":{"mount_config.func_mounts.'
      . 'mount_type":{"in":["sfs"]}}}'), 'mnt-rule',
      qr/^check\[mount_config\.func_mounts\.mount_type\]$/,
      qr/write "mount_config\.func_mounts\[\*\]\.mount_type"/ ],
    [ '[*] on a field that is no array', with_rules('{"id":"rt-rule",'
      . '"operations":["config"],"check":{"runtime[*]":{"in":["a"]}}}'),
      'rt-rule', qr/^check\[runtime\[\*\]\]$/, qr/remove the "\[\*\]"/ ],
    [ 'a value the reference never takes in an "in"', with_rules('{"id":'
      . '"ct-rule","operations":["code"],"check":{"code_type":'
      . '{"in":["zip","jra"]}}}'), 'ct-rule', qr/^check\[code_type\]$/,
      qr/"in" lists "jra" \(item 2\), but code_type is one of inline, zip,/ ],
    [ 'a when of a misspelt field', with_rules('{"id":"w-rule",'
      . '"operations":["config"],"when":{"runtme":{"in":["Go1.x"]}},'
      . '"check":{"memory_size":{"max":1024}}}'), 'w-rule',
      qr/^when\[runtme\]$/, qr/did you mean `runtime`\?/ ],
    [ 'a check of a field the operation does not take', with_rules('{"id":'
      . '"all-rule","check":{"memory_size":{"max":1024}}}'), 'all-rule',
      qr/^check\[memory_size\]$/,
      qr/the code operation does not take "memory_size".*without code/ ],
    [ 'exceptions not a list', '{"fgs_policy":1,"rules":[' . $ok_rule
      . '],"exceptions":{}}', undef, qr/^exceptions$/, qr/must be a list/ ],
    [ 'an exception of an unknown rule', with_exception('{"id":"EXC-1",'
      . '"rules":["no-such-rule"],"expires":"2030-01-01T00:00:00Z",'
      . '"reason":"r"}'), 'EXC-1', qr/^rules$/,
      qr/no rule has the id "no-such-rule"/ ],
    [ 'an exception without expiry', with_exception('{"id":"EXC-2",'
      . '"rules":["good-rule"],"reason":"r"}'), 'EXC-2', qr/^expires$/,
      qr/expiry/ ],
    [ 'an exception without reason', with_exception('{"id":"EXC-3",'
      . '"rules":["good-rule"],"expires":"2030-01-01T00:00:00Z"}'), 'EXC-3',
      qr/^reason$/, qr/reason/ ],
    [ 'an exception without rules', with_exception('{"id":"EXC-4",'
      . '"expires":"2030-01-01T00:00:00Z","reason":"r"}'), 'EXC-4',
      qr/^rules$/, qr/rule ids/ ],
    [ 'an exception with an unknown key', with_exception('{"id":"EXC-5",'
      . '"rules":["good-rule"],"expires":"2030-01-01T00:00:00Z",'
      . '"reason":"r","until":"never"}'), 'EXC-5', qr/^until$/,
      qr/unknown key/ ],
    [ 'an exception match with a bad regex', with_exception('{"id":'
      . '"EXC-6","rules":["good-rule"],"match":{"function":"(a"},'
      . '"expires":"2030-01-01T00:00:00Z","reason":"r"}'), 'EXC-6',
      qr/function/, qr/./ ],
    [ 'two exceptions with one id', '{"fgs_policy":1,"rules":[' . $ok_rule
      . '],"exceptions":[{"id":"EXC-7","rules":["good-rule"],"expires":'
      . '"2030-01-01T00:00:00Z","reason":"r"},{"id":"EXC-7","rules":'
      . '["good-rule"],"expires":"2030-01-01T00:00:00Z","reason":"r"}]}',
      'EXC-7', qr/^id$/, qr/duplicate exception id/ ],
    [ 'an empty file', '', undef, undef, qr/./ ],
);

my $dir = $t->prefix . '/data';
my $n = 0;
for my $b (@bad) {
    my ($name, $text, $id, $field, $msg) = @$b;
    my $file = "$dir/bad-" . ++$n . '.json';
    FgsTest::spew($file, $text);

    my ($rc, $out) = $t->nginx_t(server => "fgs_policy $file;\n"
                                           . "location / { %%PROXY%% }");
    subtest "nginx -t refuses $name" => sub {
        isnt($rc, 0, 'nginx -t fails');
        unlike($out, qr/test is successful/, 'not reported as successful');
        my ($efile, $erule, $efield, $emsg) = $out =~ m{
            \[emerg\] .*? fgs_policy [ ] "([^"]+)" [ ]
            does [ ] not [ ] load: [ ]
            (?: rule [ ] "([^"]*)", [ ] )?
            (?: field [ ] "([^"]*)": [ ] )?
            (.*?) [ ] in [ ] \S+:\d+$ }mx;
        ok(defined $efile, 'an [emerg] says the policy does not load')
            or do { diag($out); return };
        is($efile, $file, 'naming the file');
        is($erule, $id, 'naming the rule or exception '
                        . ($id // '(none: not in one)'));
        if ($field) {
            like($efield // '', $field, "naming the field $field");
        } else {
            ok(!defined $efield, 'no field: the file itself is wrong')
                or diag("field: $efield");
        }
        like($emsg, $msg, "saying why: $msg");

        # the CLI refuses it alike
        my $cout = "$dir/check-$n.out";
        my $crc = FgsTest::run_cmd([$CLI, 'check', $file], $cout, 30);
        my $said = FgsTest::slurp($cout);
        is($crc, 1, 'fgs-policy check exits 1');
        my $line = "$efile: " . (defined $erule ? "$erule: " : '')
                   . (defined $efield ? "$efield: " : '') . $emsg;
        like($said, qr/^\Q$line\E$/m,
             'fgs-policy check names the same file, rule, field and message')
            or diag("check said: $said");
    };
}

# a directory where the file should be
{
    my ($rc, $out) = $t->nginx_t(server => "fgs_policy $dir;\n"
                                           . "location / { %%PROXY%% }");
    ok($rc != 0 && $out =~ /\Q$dir\E.*not a regular file/,
       'nginx -t refuses a directory as the policy file') or diag($out);
}


# --- a running gateway keeps its policy through a reload of each

$t->start;
$t->seed_functions(urn('dev-x'));
my $denied = canonical_json({ func_name => 'dev-x', runtime => 'Python2.7',
    handler => 'index.handler', memory_size => 512, timeout => 30,
    code_encrypt_kms_key_id => '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f' });

# every third of them, to keep the run short: each reload parses the
# whole configuration
my @sample = grep { $_ % 3 == 1 } 1 .. $n;
my ($kept, $refused) = (0, 0);
for my $i (@sample) {
    my $file = "$dir/bad-$i.json";
    $refused++ unless $t->reload(vars => { POLICY => $file });
    my $r = $t->json_put(config_path('dev-x'), $denied);
    $kept++ if $r->status == 403 && ($r->header('x-fgs-decision') // '')
                                    eq 'deny';
}
is($refused, scalar @sample,
   scalar(@sample) . ' reloads with a bad policy, all refused');
is($kept, scalar @sample,
   'after each, conf/policy.json still denies Python2.7');

$t->finish(allow => [qr/does not load/]);
done_testing;

# Bypass attempts (docs/security.md, "Bypass resistance"): each case carries
# a change that the policy forbids (memory above 2048, a runtime outside the
# list, a GPU, a VPC outside the list, code from an unapproved bucket,
# another KMS key, a password in user_data, an "other" write) in a disguise
# that some reader of the request (a lenient JSON parser, a case-insensitive
# field matcher, a proxy that normalises paths, an upstream that honours
# method overrides or decodes bodies) would see through while a naive check
# would not.  Each case either asserts that the gateway rejects it with the
# documented status and error_code and that the upstream received nothing,
# or, where the disguise is harmless (both readers see the same allowed
# thing), that the upstream received exactly the bytes that were checked.
#
# The cases are a table: class, name, the request (method, target,
# headers, body, chunked pieces, or the raw bytes), how it is sent (one
# HTTP/1.1 request, raw bytes with several requests, Expect:
# 100-continue, HTTP/2 with prior knowledge) and the expectation.

use strict;
use warnings;

use Encode qw(encode);
use IO::Compress::Deflate qw(deflate $DeflateError);
use IO::Compress::Gzip qw(gzip $GzipError);
use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $h2port = FgsTest::free_port();

my $t = FgsTest->new(vars => { H2PORT => $h2port }, server => <<'CONF');
    listen 127.0.0.1:%%H2PORT%% http2;
    fgs_policy %%DATA%%/bypass/policy.json;
    add_header X-Fgs-Op $fgs_policy_operation always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        %%PROXY%%
    }
    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-spill/ {
        client_body_buffer_size 1k;
        %%PROXY%%
    }
CONF
$t->start;

my $P = PROJECT;
my $port = $t->port;
my $host = "127.0.0.1:$port";
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';

$t->seed_functions(map { urn($_) } qw(fn-test prod-orders fn-spill));

my $CFG = config_path('fn-test');
my $CODE = code_path('fn-test');
my $PROD = config_path('prod-orders');
my $SPILL = config_path('fn-spill');
my $SPILL_CODE = code_path('fn-spill');
my $CREATE = create_path();
my $BASE = "/v2/$P/fgs/functions/" . urn('fn-test');
my $INVOKE = "$BASE/invocations";


# --- bodies, written by hand so that every byte is the test's

# A /config body: the usual members, then the given raw members.
sub cfg {
    my (@m) = @_;
    return '{' . join(',', '"func_name":"fn-test"', '"runtime":"Python3.12"',
                      '"handler":"index.handler"', '"timeout":30', @m) . '}';
}

# The allowed /config body, and the same with the forbidden change.
my $OK = cfg('"memory_size":512');
my $BAD = cfg('"memory_size":4096');

sub prod {
    my (@m) = @_;
    return '{' . join(',', '"func_name":"prod-orders"',
                      '"runtime":"Python3.12"', '"handler":"index.handler"',
                      '"timeout":30', '"memory_size":512', @m) . '}';
}

my $VPC_OK = '"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"subnet-1"}';

my $EVIL_URL = 'https://evil.example.com/f.zip';
my $GOOD_URL = 'https://corp-fgs-code.obs.cn-north-4.myhuaweicloud.com/f.zip';

# A /code body from the approved bucket, or the unapproved one.
sub code {
    my ($type, $url, @m) = @_;
    return '{' . join(',', "\"code_type\":\"$type\"",
                      "\"code_url\":\"$url\"",
                      '"code_filename":"index.zip"', '"func_code":{}', @m)
           . '}';
}

my $CODE_OK = code('obs', $GOOD_URL);

# A create body (func_name fn-new); the runtime and extra members vary.
sub create {
    my ($runtime, @m) = @_;
    return '{' . join(',', '"func_name":"fn-new"', '"package":"default"',
                      "\"runtime\":\"$runtime\"", '"handler":"index.handler"',
                      '"memory_size":256', '"timeout":30',
                      '"code_type":"inline"',
                      '"func_code":{"file":"ZGVmIGgoZSwgYyk6CiAgICByZXR1cm4gZQo="}',
                      @m) . '}';
}

my $CREATE_OK = create('Python3.12');
my $CREATE_BAD = create('Python2.7');

sub gz {
    my ($s) = @_;
    my $out;
    gzip(\$s => \$out) or die $GzipError;
    return $out;
}

sub zlib {
    my ($s) = @_;
    my $out;
    deflate(\$s => \$out) or die $DeflateError;
    return $out;
}

sub nest {
    my ($n, $inner) = @_;
    return ('[' x $n) . ($inner // '') . (']' x $n);
}

# The headers (name => value, ...) with Content-Type: application/json
# first unless they name a Content-Type (undef: send none).
sub with_json_type {
    my ($list) = @_;
    my @h = @{ $list // [] };
    for (my $i = 0; $i < @h; $i += 2) {
        return @h if lc $h[$i] eq 'content-type';
    }
    return ('Content-Type' => 'application/json', @h);
}

# Raw request bytes (Content-Type application/json unless given).
sub req {
    my (%o) = @_;
    my @h = with_json_type($o{headers});
    return build_request(method => $o{method} // 'PUT',
                         target => $o{target} // $CFG, host => $host,
                         close => $o{close} // 0, body => $o{body},
                         headers => \@h,
                         defined $o{chunked} ? (chunked => $o{chunked}) : ());
}

# A large /config body whose description pushes it past the 1 KB body
# buffer of the fn-spill location; the given members end it.
my $LONG = 'x' x 600_000;
sub spill {
    my (@m) = @_;
    return '{' . join(',', '"func_name":"fn-spill"', '"runtime":"Python3.12"',
                      '"handler":"index.handler"', '"timeout":30',
                      "\"description\":\"$LONG\"", @m) . '}';
}

my $ZIP = encode_base64(random_bytes(450_000), '');
sub spill_code {
    my (@m) = @_;
    return '{' . join(',', '"code_type":"zip"', '"code_filename":"index.zip"',
                      "\"func_code\":{\"file\":\"$ZIP\"}", @m) . '}';
}

my $DENY = [403, 'FGSPOL.4030'];
my $JSON = [400, 'FGSPOL.4000'];
my $API = [400, 'FGSPOL.4001'];
my $TARGET = [400, 'FGSPOL.4002'];
my $MEDIA = [415, 'FGSPOL.4150'];
my $LOOKALIKE = [400, 'FGSPOL.4000'];    # docs/errors.md: not unambiguous


# --- the cases
#
# class, name; the request: method (PUT), target ($CFG), body, headers
# (Content-Type application/json unless given; ct => undef sends none),
# chunked; or raw => bytes (with count => responses expected); send =>
# 'continue' (Expect: 100-continue) or 'h2' (HTTP/2, prior knowledge).
# expect => [status, error_code] (rejected: the upstream gets nothing),
# 'pass' (allowed: the upstream gets exactly the body), 'read' (not
# governed, passed), 'closed' (no further response: nginx closed the
# connection), or a list of those for several responses, with upstream => [[method, target, body]]
# naming exactly what the upstream gets.

my @cases;
sub add { push @cases, map { { %$_ } } @_; }

# duplicate keys, plain and escaped: the last one wins in most parsers
add(
  { class => 'duplicate', name => 'memory_size twice, forbidden last',
    body => cfg('"memory_size":512', '"memory_size":4096'), expect => $JSON },
  { class => 'duplicate', name => 'memory_size twice, forbidden first',
    body => cfg('"memory_size":4096', '"memory_size":512'), expect => $JSON },
  { class => 'duplicate', name => 'the second spelled memory\u005fsize',
    body => cfg('"memory_size":512', '"memory\u005fsize":4096'),
    expect => $JSON },
  { class => 'duplicate', name => 'the second spelled with \u005F',
    body => cfg('"memory_size":512', '"memory\u005Fsize":4096'),
    expect => $JSON },
  { class => 'duplicate', name => 'the second wholly escaped',
    body => cfg('"memory_size":512', '"\u006d\u0065\u006d\u006f\u0072\u0079'
                . '\u005f\u0073\u0069\u007a\u0065":4096'),
    expect => $JSON },
  { class => 'duplicate', name => 'runtime twice, the second escaped',
    body => cfg('"memory_size":512', '"r\u0075ntime":"Python2.7"'),
    expect => $JSON },
  { class => 'duplicate', name => 'func_vpc.vpc_id twice',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s",'
                 . '"vpc_id":"vpc-evil"}'),
    expect => $JSON },
  { class => 'duplicate', name => 'func_vpc twice',
    target => $PROD,
    body => prod($VPC_OK, '"func_vpc":{"vpc_id":"vpc-evil","subnet_id":"s"}'),
    expect => $JSON },
  { class => 'duplicate', name => 'code_url twice',
    target => $CODE,
    body => code('obs', $GOOD_URL, "\"code_url\":\"$EVIL_URL\""),
    expect => $JSON },
  { class => 'duplicate', name => 'code_type twice in a /code body',
    target => $CODE,
    body => code('zip', $EVIL_URL, '"code_type":"obs"'), expect => $JSON },
  { class => 'duplicate', name => 'a tag twice in lts_custom_tag',
    body => cfg('"memory_size":512',
                '"lts_custom_tag":{"team":"a","te\u0061m":"b"}'),
    expect => $JSON },
  { class => 'duplicate', name => 'a key twice in an array element',
    target => $PROD,
    body => prod($VPC_OK, '"mount_config":{"mount_user":{"user_id":1,'
                 . '"user_group_id":1},"func_mounts":[{"mount_type":"sfs",'
                 . '"mount_resource":"r","local_mount_path":"/mnt",'
                 . '"mount_type":"ecs"}]}'),
    expect => $JSON },
  { class => 'duplicate', name => 'kms key twice, the second escaped last',
    body => cfg('"memory_size":512', "\"code_encrypt_kms_key_id\":\"$KMS\"",
                '"code_encrypt_kms_key_i\u0064":"other-key"'),
    expect => $JSON },
  { class => 'duplicate', name => 'raw UTF-8 and \u00e9 spell one key',
    body => cfg('"memory_size":512', '"lts_custom_tag":{"t\u00e9":"a",'
                . "\"t\xc3\xa9\":\"b\"}"),
    expect => $JSON },
  { class => 'duplicate', name => 'a surrogate pair and raw UTF-8',
    body => cfg('"memory_size":512', '"lts_custom_tag":{"\ud83d\ude00":"a",'
                . "\"\xf0\x9f\x98\x80\":\"b\"}"),
    expect => $JSON },
  { class => 'duplicate', name => '\/ and / spell one key',
    body => cfg('"memory_size":512', '"lts_custom_tag":{"a\/b":"1",'
                . '"a/b":"2"}'),
    expect => $JSON },
  { class => 'duplicate', name => 'a 300-byte key twice, one escaped',
    body => cfg('"memory_size":512', '"lts_custom_tag":{"' . ('k' x 300)
                . '":"a","' . ('k' x 299) . '\u006b":"b"}'),
    expect => $JSON },
  { class => 'duplicate', name => 'the 1777th of 2000 keys again, escaped',
    body => cfg('"memory_size":512', '"lts_custom_tag":{'
                . join(',', map { "\"t$_\":\"v\"" } 1 .. 2000)
                . ',"t\u0031777":"x"}'),
    expect => $JSON },
  { class => 'duplicate', name => 'an escaped key alone is still checked',
    body => cfg('"memory\u005fsize":4096'), expect => $DENY },
  { class => 'duplicate', name => 'harmless: an escaped key, allowed value',
    body => cfg('"memory\u005fsize":512'), expect => 'pass' },
  { class => 'duplicate', name => 'harmless: a key-like text in a value',
    body => cfg('"memory_size":512',
                '"description":"\",\"memory_size\":4096,\""'),
    expect => 'pass' },
);

# field names that a case-, separator- or Unicode-folding matcher reads as
# the real field
add(
  map({ my $k = $_;
        +{ class => 'fieldname', name => "look-alike $k",
          body => cfg('"memory_size":512', "\"$k\":4096"),
          expect => $LOOKALIKE } }
      qw(Memory_Size memorySize memory-size MEMORY_SIZE memorysize
         Memory-Size memory__size _memory_size)),
  { class => 'fieldname', name => 'look-alike alone: MemorySize',
    body => cfg('"MemorySize":4096'), expect => $LOOKALIKE },
  { class => 'fieldname', name => 'U+017F (long s) for s, raw UTF-8',
    body => cfg('"memory_size":512', "\"memory_\xc5\xbfize\":4096"),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'U+017F (long s) for s, escaped',
    body => cfg('"memory_size":512', '"memory_\u017fize":4096'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'U+212A (Kelvin) for k, raw UTF-8',
    body => cfg('"memory_size":512',
                "\"code_encrypt_\xe2\x84\xaams_key_id\":\"other-key\""),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'U+212A (Kelvin) for k, escaped',
    body => cfg('"memory_size":512',
                '"code_encrypt_kms_\u212aey_id":"other-key"'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'U+0131 (dotless i) in runtime',
    body => cfg('"memory_size":512', "\"runt\xc4\xb1me\":\"Python2.7\""),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'fullwidth letters (NFKC)',
    body => cfg('"memory_size":512',
                "\"\xef\xbd\x8demory_size\":4096"),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'U+2011 non-breaking hyphen',
    body => cfg('"memory_size":512', "\"memory\xe2\x80\x91size\":4096"),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'gpu_memory as GPU_Memory',
    body => cfg('"memory_size":512', '"GPU_Memory":1024'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'nested: func_vpc.Vpc_Id',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s",'
                 . '"Vpc_Id":"vpc-evil"}'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'in a /code body: Code_Url',
    target => $CODE,
    body => code('obs', $GOOD_URL, "\"Code_Url\":\"$EVIL_URL\""),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'mathematical bold m (NFKC m), escaped',
    body => cfg('"memory_size":512', '"\ud835\udc26emory_size":4096'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'fullwidth small s (NFKC s)',
    body => cfg('"memory_size":512', "\"memory_\xef\xbd\x93ize\":4096"),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'five thousand _ before the name',
    body => cfg('"memory_size":512', '"' . ('_' x 5000) . 'memory_size":4096'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'three hundred U+2010 hyphens',
    body => cfg('"memory_size":512', '"' . ('\u2010' x 300)
                . 'memory_size":4096'),
    expect => $LOOKALIKE },
  { class => 'fieldname', name => 'a Cyrillic e (no fold, still unknown)',
    body => cfg('"memory_size":512', '"memory_siz\u0435":4096'),
    expect => $API },
  { class => 'fieldname', name => 'a combining accent (still unknown)',
    body => cfg('"memory_size":512', '"memory_size\u0301":4096'),
    expect => $API },
  { class => 'fieldname', name => 'a dotted key func_vpc.vpc_id',
    target => $PROD,
    body => prod($VPC_OK, '"func_vpc.vpc_id":"vpc-evil"'), expect => $API },
  { class => 'fieldname', name => 'a BOM before the key',
    body => cfg('"memory_size":512', "\"\xef\xbb\xbfmemory_size\":4096"),
    expect => $API },
);

# numbers
add(
  map({ my ($v, $e) = @$_;
        +{ class => 'number', name => "memory_size $v",
          body => cfg("\"memory_size\":$v"), expect => $e } }
      [ '4096.0', $API ], [ '4.096e3', $API ], [ '4096e0', $API ],
      [ '4096E+0', $API ], [ '"4096"', $API ], [ '1e400', $API ],
      [ '2048.0000000000001', $API ], [ '99999999999999999999', $API ],
      [ '18446744073709553664', $API ],       # 2^64 + 2048
      [ '-18446744073709549568', $API ],      # -(2^64 - 2048)
      [ '4294969344', $DENY ],                # 2^32 + 2048
      [ '9223372036854775807', $DENY ],
      [ '04096', $JSON ], [ '00', $JSON ], [ '+4096', $JSON ],
      [ '0x1000', $JSON ], [ 'Infinity', $JSON ], [ 'NaN', $JSON ],
      [ '4096.', $JSON ], [ '.5e4', $JSON ], [ '4_096', $JSON ]),
  { class => 'number', name => 'gpu_memory 0 is still a GPU field',
    body => cfg('"memory_size":512', '"gpu_memory":0'), expect => $DENY },
  { class => 'number', name => 'harmless: memory_size 2048, the maximum',
    body => cfg('"memory_size":2048'), expect => 'pass' },
);

# null, empty and wrongly typed values
add(
  { class => 'null-type', name => 'gpu_memory null',
    body => cfg('"memory_size":512', '"gpu_memory":null'), expect => $API },
  { class => 'null-type', name => 'memory_size null',
    body => cfg('"memory_size":null'), expect => $API },
  { class => 'null-type', name => 'runtime null',
    body => cfg('"memory_size":512', '"runtime":null') =~ s/"runtime":"Python3.12",//r,
    expect => $API },
  { class => 'null-type', name => 'runtime as an array',
    body => '{"func_name":"fn-test","runtime":["Python3.12","Python2.7"],'
            . '"handler":"index.handler","timeout":30,"memory_size":512}',
    expect => $API },
  { class => 'null-type', name => 'runtime as an object',
    body => '{"func_name":"fn-test","runtime":{"name":"Python2.7"},'
            . '"handler":"index.handler","timeout":30,"memory_size":512}',
    expect => $API },
  { class => 'null-type', name => 'memory_size as an object',
    body => cfg('"memory_size":{"value":4096}'), expect => $API },
  { class => 'null-type', name => 'memory_size as an array',
    body => cfg('"memory_size":[512,4096]'), expect => $API },
  { class => 'null-type', name => 'memory_size true',
    body => cfg('"memory_size":true'), expect => $API },
  { class => 'null-type', name => 'func_vpc null on a prod- function',
    target => $PROD, body => prod('"func_vpc":null'), expect => $API },
  { class => 'null-type', name => 'func_vpc {} on a prod- function',
    target => $PROD, body => prod('"func_vpc":{}'), expect => $API },
  { class => 'null-type', name => 'func_vpc as a string',
    target => $PROD, body => prod('"func_vpc":"vpc-0a1b2c"'), expect => $API },
  { class => 'null-type', name => 'func_vpc as an array of objects',
    target => $PROD,
    body => prod('"func_vpc":[{"vpc_id":"vpc-0a1b2c","subnet_id":"s"}]'),
    expect => $API },
  { class => 'null-type', name => 'func_vpc.vpc_id null',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":null,"subnet_id":"s"}'),
    expect => $API },
  { class => 'null-type', name => 'func_vpc.vpc_id as an array',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":["vpc-0a1b2c"],"subnet_id":"s"}'),
    expect => $API },
  { class => 'null-type', name => 'func_vpc.vpc_id as an object',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":{"id":"vpc-0a1b2c"},"subnet_id":"s"}'),
    expect => $API },
  { class => 'null-type', name => 'func_vpc.vpc_id empty',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":"","subnet_id":"s"}'),
    expect => $DENY },
  { class => 'null-type', name => 'an unknown object inside func_vpc',
    target => $PROD,
    body => prod('"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s",'
                 . '"vpc":{"vpc_id":"vpc-evil"}}'),
    expect => $API },
  { class => 'null-type', name => 'code_url null on an obs /code body',
    target => $CODE,
    body => '{"code_type":"obs","code_url":null,"code_filename":"index.zip",'
            . '"func_code":{}}',
    expect => $API },
  { class => 'null-type', name => 'func_code null',
    target => $CODE,
    body => '{"code_type":"zip","code_filename":"index.zip",'
            . '"func_code":null}',
    expect => $API },
  { class => 'null-type', name => 'harmless: prod- with the allowed VPC',
    target => $PROD, body => prod($VPC_OK), expect => 'pass' },
);

# NUL, invalid UTF-8, overlong encodings, surrogates, BOM, comments
add(
  { class => 'encoding', name => 'an escaped NUL ends the runtime for C',
    body => cfg('"memory_size":512') =~ s/Python3\.12/Python3.12\\u0000Python2.7/r,
    expect => $JSON },
  { class => 'encoding', name => 'an escaped NUL ends a key for C',
    body => cfg('"memory_size":512', '"memory_size\u0000x":4096'),
    expect => $JSON },
  { class => 'encoding', name => 'a raw NUL in a value',
    body => cfg('"memory_size":512', "\"description\":\"a\x00b\""),
    expect => $JSON },
  { class => 'encoding', name => 'a raw NUL in a key',
    body => cfg('"memory_size":512', "\"memory_size\x00\":4096"),
    expect => $JSON },
  { class => 'encoding', name => 'an invalid UTF-8 byte in a key',
    body => cfg('"memory_size":512', "\"memory_size\xff\":4096"),
    expect => $JSON },
  { class => 'encoding', name => 'an invalid UTF-8 byte in the runtime',
    body => cfg('"memory_size":512') =~ s/Python3\.12/Python2.7\xff/r,
    expect => $JSON },
  { class => 'encoding', name => 'overlong 2-byte _ in a key',
    body => cfg('"memory_size":512', "\"memory\xc1\x9fsize\":4096"),
    expect => $JSON },
  { class => 'encoding', name => 'overlong 3-byte _ in a key',
    body => cfg('"memory_size":512', "\"memory\xe0\x81\x9fsize\":4096"),
    expect => $JSON },
  { class => 'encoding', name => 'overlong 2-byte quote',
    body => cfg('"memory_size":512',
                "\"description\":\"x\xc0\xa2,\xc0\xa2memory_size\xc0\xa2:4096\""),
    expect => $JSON },
  { class => 'encoding', name => 'overlong 4-byte m in a key',
    body => cfg('"memory_size":512', "\"\xf0\x80\x81\xademory_size\":4096"),
    expect => $JSON },
  { class => 'encoding', name => 'an escaped lone high surrogate in a key',
    body => cfg('"memory_size":512', '"memory_size\ud800":4096'),
    expect => $JSON },
  { class => 'encoding', name => 'an escaped lone low surrogate in a key',
    body => cfg('"memory_size":512', '"memory_size\udc00":4096'),
    expect => $JSON },
  { class => 'encoding', name => 'a surrogate encoded as UTF-8',
    body => cfg('"memory_size":512', "\"memory_size\xed\xa0\x80\":4096"),
    expect => $JSON },
  { class => 'encoding', name => 'a UTF-8 BOM before the body',
    body => "\xef\xbb\xbf" . $BAD, expect => $JSON },
  { class => 'encoding', name => 'a UTF-16LE body with its BOM',
    body => "\xff\xfe" . encode('UTF-16LE', $BAD), expect => $JSON },
  { class => 'encoding', name => 'a UTF-32 body',
    body => encode('UTF-32BE', $BAD), expect => $JSON },
  { class => 'encoding', name => 'a block comment hides nothing',
    body => cfg('"memory_size":512 /* , "memory_size":4096 */'),
    expect => $JSON },
  { class => 'encoding', name => 'a line comment',
    body => "{\"memory_size\":4096, // 512\n" . substr($OK, 1),
    expect => $JSON },
  { class => 'encoding', name => 'a hash comment',
    body => "{# a\n\"memory_size\":4096," . substr(cfg(), 1),
    expect => $JSON },
  { class => 'encoding', name => 'single-quoted strings',
    body => cfg('"memory_size":512', "'memory_size':4096"), expect => $JSON },
  { class => 'encoding', name => 'a raw tab in a string',
    body => cfg('"memory_size":512', "\"description\":\"a\tb\""),
    expect => $JSON },
  { class => 'encoding', name => 'an invalid escape',
    body => cfg('"memory_size":512', '"description":"\x41"'),
    expect => $JSON },
  { class => 'encoding', name => 'an escaped forbidden runtime',
    body => cfg('"memory_size":512') =~ s/Python3\.12/Python\\u0032.7/r,
    expect => $DENY },
  { class => 'encoding', name => 'a zero-width space after the runtime',
    body => cfg('"memory_size":512') =~ s/Python3\.12/Python3.12\\u200b/r,
    expect => $DENY },
  { class => 'encoding', name => 'a fullwidth digit in the runtime',
    body => cfg('"memory_size":512') =~ s/Python3\.12/Python3.\xef\xbc\x912/r,
    expect => $DENY },
  { class => 'encoding', name => 'a password, with escapes, in user_data',
    body => cfg('"memory_size":512', '"user_data":"p\u0061ssw\u006frd=1"'),
    expect => $DENY },
  { class => 'encoding', name => 'harmless: an escaped runtime key',
    body => cfg('"memory_size":512') =~ s/"runtime"/"\\u0072untime"/r,
    expect => 'pass' },
  { class => 'encoding', name => 'harmless: a surrogate pair in a value',
    body => cfg('"memory_size":512', '"description":"\ud83d\ude00"'),
    expect => 'pass' },
);

# data after the object
add(
  { class => 'trailing', name => 'a second object',
    body => "${OK}{\"memory_size\":4096}", expect => $JSON },
  { class => 'trailing', name => 'a second object after a newline',
    body => "$OK\n$BAD", expect => $JSON },
  { class => 'trailing', name => 'a member after the object',
    body => "$OK,\"memory_size\":4096}", expect => $JSON },
  { class => 'trailing', name => 'a NUL after the object',
    body => "$OK\x00$BAD", expect => $JSON },
  { class => 'trailing', name => 'a closing bracket',
    body => "$OK]", expect => $JSON },
  { class => 'trailing', name => 'a comment after the object',
    body => "$OK//x", expect => $JSON },
  { class => 'trailing', name => 'a smuggled request after the object',
    body => $OK . "\r\n\r\n" . req(body => $BAD), expect => $JSON },
  { class => 'trailing', name => 'an array of two objects',
    body => "[$OK,$BAD]", expect => $JSON },
  { class => 'trailing', name => 'an unclosed object',
    body => substr($BAD, 0, -1), expect => $JSON },
  { class => 'trailing', name => 'harmless: whitespace after the object',
    body => "$OK \r\n\t\n", expect => 'pass' },
);

# nesting depth (the scanner's limit is 64 levels below the body)
add(
  { class => 'depth', name => 'one level past the limit',
    body => cfg('"memory_size":4096', '"lts_custom_tag":' . nest(65)),
    expect => $JSON },
  { class => 'depth', name => 'ten thousand levels before the change',
    body => cfg('"lts_custom_tag":' . nest(10_000), '"memory_size":4096'),
    expect => $JSON },
  { class => 'depth', name => 'deep objects',
    body => cfg('"memory_size":4096', '"lts_custom_tag":'
                . ('{"a":' x 100) . '1' . ('}' x 100)),
    expect => $JSON },
  { class => 'depth', name => 'deep nesting never closed',
    body => cfg('"memory_size":512') =~ s/\}$/,"x":/r . ('[' x 100_000),
    expect => $JSON },
  { class => 'depth', name => 'more values than the scanner takes',
    body => cfg('"description":"x"', '"lts_custom_tag":['
                . join(',', (0) x 70_000) . ']', '"memory_size":4096'),
    expect => $JSON },
  { class => 'depth', name => 'more values than the body\'s length allows',
    body => cfg('"memory_size":4096', '"lts_custom_tag":['
                . join(',', (0) x 5_000) . ']'),
    expect => $JSON },
  { class => 'depth', name => 'as many as its length allows: no tag map',
    body => cfg('"memory_size":4096', '"lts_custom_tag":['
                . join(',', (' ' x 19 . '0') x 5_000) . ']'),
    expect => $API },
  { class => 'depth', name => 'at the limit: an array is no tag map',
    body => cfg('"memory_size":512', '"lts_custom_tag":' . nest(64)),
    expect => $API },
);

# every non-canonical request target (docs/policy-language.md, "What it
# governs"), with the forbidden body
(my $URN_PCT = urn('fn-test')) =~ s/:/%3A/g;
add(
  map({ my ($why, $target) = @$_;
        +{ class => 'target', name => "$why: $target" =~ s/\Q$P\E/{p}/gr
                                                       =~ s/\Q${\ urn('fn-test')}\E/{urn}/gr,
          target => $target, body => $BAD, expect => $TARGET } }
      [ 'percent-encoded letter', "$BASE/confi%67" ],
      [ 'percent-encoded URN', "/v2/$P/fgs/functions/$URN_PCT/config" ],
      [ 'percent-encoded slash', "$BASE%2Fconfig" ],
      [ 'dot segment', "$BASE/./config" ],
      [ 'dot-dot segment', "$BASE/x/../config" ],
      [ 'encoded dot-dot', "$BASE/x/%2e%2e/config" ],
      [ 'doubled slash', "$BASE//config" ],
      [ 'leading doubled slash', "/$BASE/config" ],
      [ 'trailing slash', "$BASE/config/" ],
      [ ';parameter', "$BASE/config;x=1" ],
      [ ';parameter on the URN', "$BASE;v=1/config" ],
      [ 'case variant', "$BASE/CONFIG" ],
      [ 'case variant of the version', "/V2/$P/fgs/functions/"
                                       . urn('fn-test') . '/config' ],
      [ 'absolute-form', "http://$host$BASE/config" ],
      [ 'absolute-form, other host',
        "http://functiongraph.cn-north-4.myhuaweicloud.com$BASE/config" ],
      [ 'backslash', "$BASE\\config" ],
      [ 'fragment', "$BASE/config#x" ],
      [ 'URN of another project',
        "/v2/$P/fgs/functions/" . urn('fn-test', project => OTHER_PROJECT)
        . '/config' ]),
  # nginx refuses these itself, before any phase (see %TODO below): its
  # 400 in JSON (FGSPOL.4000) or the module's 4002 would both do
  { class => 'target', name => 'a percent-encoded NUL',
    target => "$BASE/config%00", body => $BAD,
    expect => [400, qr/^FGSPOL\.400[02]$/] },
  { class => 'target', name => 'a dot-dot segment above the root',
    target => "/v2/../../v2/$P/fgs/functions/" . urn('fn-test') . '/config',
    body => $BAD, expect => [400, qr/^FGSPOL\.400[02]$/] },
  { class => 'target', name => 'a space inside the target',
    raw => req(target => "$BASE/config x", body => $BAD, close => 1),
    expect => [400, qr/^FGSPOL\.400[02]$/] },
  { class => 'target', name => 'a tab after the target',
    raw => req(body => $BAD, close => 1) =~ s/ HTTP\/1\.1\r\n/\tHTTP\/1.1\r\n/r,
    expect => [400, qr/^FGSPOL\.400[02]$/] },
  { class => 'target', name => 'a query string with path-like text',
    target => "$BASE/config?x=/../code&y=%2e%2e", body => $BAD,
    expect => $DENY },
  { class => 'target', name => 'a version alias is governed',
    target => config_path('fn-test', version => 'latest'), body => $BAD,
    expect => $DENY },
  { class => 'target', name => 'a config body sent to /code',
    target => $CODE, body => $BAD, expect => $API },
  { class => 'target', name => 'harmless: a query string',
    target => "$BASE/config?x=1", body => $OK, expect => 'pass' },
  # a suffix that routers read as a format: /config.json is /config
  map({ my ($m, $target) = @$_;
        +{ class => 'target', name => "a suffix: $m $target",
          method => $m, target => $target, body => $BAD,
          expect => $TARGET } }
      [ 'PUT', "$BASE/config.json" ], [ 'PUT', "$BASE/code.zip" ],
      [ 'PUT', "$BASE/Config.xml" ],
      [ 'POST', "/v2/$P/fgs/functions.json" ],
      [ 'PUT', "/v2/$P/fgs/functions.xml/" . urn('fn-test') . '/config' ]),
);

# method-override headers, and methods an upstream may read differently
add(
  map({ my ($m, $target, $h) = @$_;
        +{ class => 'override', name => "$m with $h: PUT",
          method => $m, target => $target, body => $BAD,
          headers => [ $h => 'PUT' ], expect => $TARGET } }
      [ 'POST', $CFG, 'X-HTTP-Method-Override' ],
      [ 'POST', $CFG, 'X-HTTP-Method' ],
      [ 'POST', $CFG, 'X-Method-Override' ],
      [ 'POST', $CFG, 'x-http-method-override' ],
      [ 'GET', $CFG, 'X-HTTP-Method-Override' ],
      [ 'POST', $INVOKE, 'X-HTTP-Method-Override' ],
      [ 'PUT', $CFG, 'X-HTTP-Method-Override' ]),
  { class => 'override', name => 'an empty override header',
    method => 'POST', target => $CFG, body => $BAD,
    headers => [ 'X-HTTP-Method-Override' => '' ], expect => $TARGET },
  map({ my ($m, $q) = @$_;
        +{ class => 'override', name => "$m with ?$q in the query",
          method => $m, target => "$CFG?$q", body => $BAD,
          expect => $TARGET } }
      [ 'POST', '_method=PUT' ], [ 'POST', 'x=1&_METHOD=PUT' ],
      [ 'POST', 'method=PUT' ], [ 'POST', 'X-HTTP-Method-Override=PUT' ],
      [ 'POST', 'x_http_method=PUT' ], [ 'POST', '%5Fmethod=PUT' ],
      [ 'PUT', '_method=PATCH' ], [ 'GET', '_method=PUT' ]),
  { class => 'override', name => 'harmless: _method as a query value',
    target => "$CFG?x=_method", body => $OK, expect => 'pass' },
  { class => 'override', name => 'PATCH of the config is an other write',
    method => 'PATCH', target => $CFG, body => $BAD, expect => $DENY },
  { class => 'override', name => 'a method nobody knows is an other write',
    method => 'BREW', target => $CFG, body => $BAD, expect => $DENY },
  { class => 'override', name => 'TRACE',
    method => 'TRACE', target => $CFG, expect => [405, 'FGSPOL.4050'] },
  { class => 'override', name => 'OPTIONS with a body is an other write',
    method => 'OPTIONS', target => $CFG, body => $BAD, expect => $DENY },
  { class => 'override', name => 'harmless: X_HTTP_Method_Override is dropped',
    method => 'GET', target => $CFG,
    headers => [ 'X_HTTP_Method_Override' => 'PUT' ], expect => 'read',
    upstream => [ [ 'GET', $CFG, '' ] ],
    not_forwarded => [ 'x_http_method_override' ] },
  { class => 'override', name => 'a lower-case method',
    raw => req(method => 'put', body => $BAD, close => 1),
    expect => $JSON },
);

# Content-Type and Content-Encoding
add(
  map({ my ($ct) = $_;
        +{ class => 'content-type', name => "Content-Type: $ct",
          headers => [ 'Content-Type' => $ct ], body => $BAD,
          expect => $MEDIA } }
      'text/plain', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', 'application/json; charset=latin1',
      'application/jsonp', 'application/merge-patch+json',
      'application/json, text/plain', 'application/json;x=1'),
  { class => 'content-type', name => 'charset=utf-16 with a UTF-16 body',
    headers => [ 'Content-Type' => 'application/json; charset=utf-16' ],
    body => encode('UTF-16LE', $BAD), expect => $MEDIA },
  { class => 'content-type', name => 'no Content-Type',
    headers => [ 'Content-Type' => undef ], body => $BAD, expect => $MEDIA },
  { class => 'content-type', name => 'two Content-Types',
    headers => [ 'Content-Type' => 'application/json',
                 'Content-Type' => 'text/plain' ],
    body => $BAD, expect => $MEDIA },
  { class => 'content-type', name => 'harmless: Application/JSON',
    headers => [ 'Content-Type' => 'Application/JSON' ], body => $OK,
    expect => 'pass' },
  { class => 'content-type', name => 'harmless: charset="UTF-8"',
    headers => [ 'Content-Type' => 'application/json;charset="UTF-8"' ],
    body => $OK, expect => 'pass' },
  map({ my ($ce, $body) = @$_;
        +{ class => 'content-encoding', name => "Content-Encoding: $ce",
          headers => [ 'Content-Encoding' => $ce ], body => $body,
          expect => $MEDIA } }
      [ 'gzip', gz($BAD) ], [ 'GZIP', gz($BAD) ], [ 'x-gzip', gz($BAD) ],
      [ 'deflate', zlib($BAD) ], [ 'br', $BAD ],
      [ 'identity, gzip', gz($BAD) ], [ 'gzip, identity', gz($BAD) ]),
  { class => 'content-encoding', name => 'identity, then gzip in a second header',
    headers => [ 'Content-Encoding' => 'identity',
                 'Content-Encoding' => 'gzip' ],
    body => gz($BAD), expect => $MEDIA },
  { class => 'content-encoding', name => 'harmless: Content-Encoding identity',
    headers => [ 'Content-Encoding' => 'identity' ], body => $OK,
    expect => 'pass' },
);

# message framing: Content-Length and Transfer-Encoding
my $chunked_bad = chunk_body($BAD);
add(
  { class => 'framing', name => 'Content-Length and Transfer-Encoding',
    raw => req(body => undef, headers => [
                 'Content-Length' => length $OK,
                 'Transfer-Encoding' => 'chunked' ])
           . $chunked_bad,
    expect => $JSON },
  { class => 'framing', name => 'Transfer-Encoding, then Content-Length',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'chunked',
                 'Content-Length' => length $BAD ])
           . $chunked_bad,
    expect => $JSON },
  { class => 'framing', name => 'two different Content-Lengths',
    raw => req(body => undef, headers => [
                 'Content-Length' => length $OK,
                 'Content-Length' => length $BAD ]) . $BAD,
    expect => $JSON },
  { class => 'framing', name => 'two equal Content-Lengths',
    raw => req(body => undef, headers => [
                 'Content-Length' => length $BAD,
                 'Content-Length' => length $BAD ]) . $BAD,
    expect => $JSON },
  { class => 'framing', name => 'Content-Length with a plus sign',
    raw => req(body => undef, headers => [
                 'Content-Length' => '+' . length $BAD ]) . $BAD,
    expect => $JSON },
  { class => 'framing', name => 'Content-Length as a list',
    raw => req(body => undef, headers => [
                 'Content-Length' => length($BAD) . ', ' . length($BAD) ])
           . $BAD,
    expect => $JSON },
  { class => 'framing', name => 'Transfer-Encoding: gzip, chunked',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'gzip, chunked' ])
           . chunk_body(gz($BAD)),
    expect => [501, 'FGSPOL.5010'] },
  { class => 'framing', name => 'Transfer-Encoding: identity',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'identity',
                 'Content-Length' => length $BAD ]) . $BAD,
    expect => [501, 'FGSPOL.5010'] },
  { class => 'framing', name => 'Transfer-Encoding in HTTP/1.0',
    raw => "PUT $CFG HTTP/1.0\r\nHost: $host\r\n"
           . "Content-Type: application/json\r\n"
           . "Transfer-Encoding: chunked\r\n\r\n$chunked_bad",
    expect => $JSON },
  { class => 'framing', name => 'a chunk size that overflows',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'chunked' ])
           . "10000000000000000" . sprintf("%x", length $BAD) . "\r\n$BAD"
           . "\r\n0\r\n\r\n",
    expect => $JSON },
  { class => 'framing', name => 'a header folded onto the next line',
    raw => req(body => $BAD, headers => [ 'X-Note' => "a\r\n b" ]),
    expect => $JSON },
  { class => 'framing', name => 'Content-Length: 0, then the body',
    raw => req(body => undef, headers => [ 'Content-Length' => 0 ]) . $BAD,
    expect => $JSON },
  { class => 'framing', name => 'Transfer-Encoding twice',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'chunked',
                 'Transfer-Encoding' => 'chunked' ]) . $chunked_bad,
    expect => $JSON },
  { class => 'framing', name => 'Transfer-Encoding: chunked, chunked',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'chunked, chunked' ])
           . chunk_body(chunk_body($BAD)),
    expect => [501, 'FGSPOL.5010'] },
  { class => 'framing', name => 'a chunk size written 0x...',
    raw => req(body => undef, headers => [
                 'Transfer-Encoding' => 'chunked' ])
           . sprintf("0x%x\r\n%s\r\n0\r\n\r\n", length $BAD, $BAD),
    expect => $JSON },
  { class => 'framing', name => 'a NUL in the Content-Type header',
    raw => req(body => $BAD, close => 1, headers => [
                 'Content-Type' => "application/json\x00text/plain" ]),
    expect => $JSON },
  { class => 'framing', name => 'a header name with a space before it',
    raw => req(body => $BAD, close => 1, headers => [
                 'Content Type' => 'text/plain' ]),
    expect => $JSON },
  { class => 'framing', name => 'bare LF line ends are still checked',
    raw => req(body => $BAD, close => 1) =~ s/\r\n/\n/gr
           =~ s/\n\n.*$/"\n\n$BAD"/ser,
    expect => $DENY },
  { class => 'framing', name => 'Content-Length with leading zeros',
    raw => req(body => undef, close => 1, headers => [
                 'Content-Length' => '000' . length $BAD ]) . $BAD,
    expect => $DENY },
  { class => 'framing', name => 'Transfer-Encoding: Chunked is checked',
    raw => req(body => undef, close => 1, headers => [
                 'Transfer-Encoding' => 'Chunked' ]) . $chunked_bad,
    expect => $DENY },
  { class => 'framing', name => 'chunk extensions',
    raw => req(body => undef, close => 1, headers => [
                 'Transfer-Encoding' => 'chunked' ])
           . sprintf("%x;memory_size=512\r\n%s\r\n0\r\n\r\n",
                     length $BAD, $BAD),
    expect => $DENY },
  { class => 'framing', name => 'a trailer claiming another type',
    raw => req(body => undef, close => 1, headers => [
                 'Transfer-Encoding' => 'chunked', 'Trailer' => 'Content-Type' ])
           . sprintf("%x\r\n%s\r\n0\r\nContent-Type: text/plain\r\n\r\n",
                     length $BAD, $BAD),
    expect => $DENY },
  { class => 'framing', name => 'the forbidden key split over chunks',
    body => $BAD, chunked => [ map { substr($BAD, $_, 1) } 0 .. length($BAD) - 1 ],
    expect => $DENY },
  { class => 'framing', name => 'a duplicate key split over chunks',
    body => cfg('"memory_size":512', '"memory_size":4096'), chunked => 7,
    expect => $JSON },
  { class => 'framing', name => 'harmless: a chunked allowed body',
    body => $OK, chunked => 5, expect => 'pass' },
);

# Expect: 100-continue
add(
  { class => 'expect', name => 'the forbidden body after 100 Continue',
    send => 'continue', body => $BAD, expect => $DENY },
  { class => 'expect', name => 'a duplicate key after 100 Continue',
    send => 'continue', body => cfg('"memory_size":512', '"memory_size":4096'),
    expect => $JSON },
  { class => 'expect', name => 'chunked, after 100 Continue',
    send => 'continue', body => $BAD, chunked => 9, expect => $DENY },
  { class => 'expect', name => 'Expect: 100-Continue in another case',
    raw => req(body => $BAD, close => 1,
               headers => [ 'Expect' => '100-CONTINUE' ]),
    expect => $DENY },
  { class => 'expect', name => 'a wrong Content-Type: 415 without 100',
    send => 'continue', headers => [ 'Content-Type' => 'text/plain' ],
    body => $BAD, expect => $MEDIA, no_continue => 1 },
  { class => 'expect', name => 'harmless: the allowed body',
    send => 'continue', body => $OK, expect => 'pass' },
);

# pipelined requests: several in one write on a keep-alive connection
add(
  { class => 'pipeline', name => 'allowed, then forbidden',
    raw => req(body => $OK) . req(body => $BAD, close => 1), count => 2,
    expect => [ 'pass', $DENY ], upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'allowed, then a duplicate key',
    raw => req(body => $OK)
           . req(body => cfg('"memory_size":512', '"memory_size":4096'),
                 close => 1),
    count => 2, expect => [ 'pass', $JSON ],
    upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'allowed, then a look-alike key',
    raw => req(body => $OK)
           . req(body => cfg('"memory_size":512', '"Memory_Size":4096'),
                 close => 1),
    count => 2, expect => [ 'pass', $LOOKALIKE ],
    upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'chunked allowed, then chunked forbidden',
    raw => req(body => $OK, chunked => 11)
           . req(body => $BAD, chunked => 13, close => 1),
    count => 2, expect => [ 'pass', $DENY ],
    upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'a read, then forbidden',
    raw => build_request(method => 'GET', target => $CFG, host => $host,
                         close => 0)
           . req(body => $BAD, close => 1),
    count => 2, expect => [ 'read', $DENY ],
    upstream => [ [ 'GET', $CFG, '' ] ] },
  { class => 'pipeline', name => 'forbidden, then allowed',
    raw => req(body => $BAD) . req(body => $OK, close => 1), count => 2,
    expect => [ $DENY, 'pass' ], upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'a request inside the body of a 415',
    raw => req(headers => [ 'Content-Type' => 'text/plain' ],
               body => req(body => $BAD))
           . req(body => $OK, close => 1),
    count => 2, expect => [ $MEDIA, 'pass' ],
    upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'a request inside the body of a 4002',
    raw => req(target => "$BASE/confi%67", body => req(body => $BAD))
           . req(body => $OK, close => 1),
    count => 2, expect => [ $TARGET, 'closed' ], upstream => [] },
  { class => 'pipeline', name => 'a request inside the body of a 403',
    raw => req(body => substr($BAD, 0, -1) . ',"description":"'
               . req(body => $BAD) =~ s/(["\\])/\\$1/gr =~ s/\r/\\r/gr
                                     =~ s/\n/\\n/gr . '"}')
           . req(body => $OK, close => 1),
    count => 2, expect => [ $DENY, 'pass' ],
    upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'pipeline', name => 'allowed, then forbidden create',
    raw => req(body => $OK)
           . req(method => 'POST', target => $CREATE, body => $CREATE_BAD,
                 close => 1),
    count => 2, expect => [ 'pass', $DENY ],
    upstream => [ [ 'PUT', $CFG, $OK ] ] },
);

# HTTP/2 on the same server (cleartext, prior knowledge)
add(
  { class => 'http2', name => 'the forbidden body', send => 'h2',
    body => $BAD, expect => $DENY },
  { class => 'http2', name => 'a duplicate key', send => 'h2',
    body => cfg('"memory_size":512', '"memory_size":4096'), expect => $JSON },
  { class => 'http2', name => 'a look-alike key', send => 'h2',
    body => cfg('"memory_size":512', '"memorySize":4096'),
    expect => $LOOKALIKE },
  { class => 'http2', name => 'a body without Content-Length', send => 'h2',
    body => $BAD, no_length => 1, expect => $DENY },
  { class => 'http2', name => 'a percent-encoded path', send => 'h2',
    target => "$BASE/confi%67", body => $BAD, expect => $TARGET },
  { class => 'http2', name => 'a dot segment', send => 'h2',
    target => "$BASE/x/../config", body => $BAD, expect => $TARGET },
  { class => 'http2', name => 'a method override', send => 'h2',
    method => 'POST', headers => [ 'X-HTTP-Method-Override' => 'PUT' ],
    body => $BAD, expect => $TARGET },
  { class => 'http2', name => 'Content-Encoding: gzip', send => 'h2',
    headers => [ 'Content-Encoding' => 'gzip' ], body => gz($BAD),
    expect => $MEDIA },
  { class => 'http2', name => 'a forbidden create', send => 'h2',
    method => 'POST', target => $CREATE, body => $CREATE_BAD,
    expect => $DENY },
  { class => 'http2', name => 'spilled, the forbidden change last',
    send => 'h2', target => $SPILL, body => spill('"memory_size":4096'),
    expect => $DENY },
  { class => 'http2', name => 'two streams: allowed and forbidden',
    send => 'h2', streams => [ { body => $OK }, { body => $BAD } ],
    expect => [ 'pass', $DENY ], upstream => [ [ 'PUT', $CFG, $OK ] ] },
  { class => 'http2', name => 'two streams: a duplicate key and allowed',
    send => 'h2',
    streams => [ { body => cfg('"memory_size":512', '"memory_size":4096') },
                 { target => $CODE, body => $CODE_OK } ],
    expect => [ $JSON, 'pass' ], upstream => [ [ 'PUT', $CODE, $CODE_OK ] ] },
  { class => 'http2', name => 'harmless: spilled, allowed', send => 'h2',
    target => $SPILL, body => spill('"memory_size":512'), expect => 'pass' },
  { class => 'http2', name => 'harmless: the allowed body', send => 'h2',
    body => $OK, expect => 'pass' },
);

# the create endpoint
add(
  { class => 'create', name => 'a runtime outside the list',
    method => 'POST', target => $CREATE, body => $CREATE_BAD,
    expect => $DENY },
  { class => 'create', name => 'memory above the limit',
    method => 'POST', target => $CREATE,
    body => $CREATE_OK =~ s/"memory_size":256/"memory_size":4096/r,
    expect => $DENY },
  { class => 'create', name => 'a GPU',
    method => 'POST', target => $CREATE,
    body => create('Python3.12', '"gpu_memory":1024'), expect => $DENY },
  { class => 'create', name => 'a duplicate runtime',
    method => 'POST', target => $CREATE,
    body => create('Python3.12', '"runtime":"Python2.7"'), expect => $JSON },
  { class => 'create', name => 'a look-alike runtime',
    method => 'POST', target => $CREATE,
    body => create('Python3.12', '"Runtime":"Python2.7"'),
    expect => $LOOKALIKE },
  { class => 'create', name => 'a query string',
    method => 'POST', target => "$CREATE?x=1", body => $CREATE_BAD,
    expect => $DENY },
  { class => 'create', name => 'a trailing slash',
    method => 'POST', target => "$CREATE/", body => $CREATE_BAD,
    expect => $TARGET },
  { class => 'create', name => 'functions percent-encoded',
    method => 'POST', target => "/v2/$P/fgs/function%73",
    body => $CREATE_BAD, expect => $TARGET },
  { class => 'create', name => 'FUNCTIONS',
    method => 'POST', target => "/v2/$P/fgs/FUNCTIONS",
    body => $CREATE_BAD, expect => $TARGET },
  { class => 'create', name => 'chunked',
    method => 'POST', target => $CREATE, body => $CREATE_BAD, chunked => 17,
    expect => $DENY },
  { class => 'create', name => 'harmless: an allowed create',
    method => 'POST', target => $CREATE, body => $CREATE_OK,
    expect => 'pass' },
);

# writes under /v2/{project}/fgs/ that no endpoint of the API reference
# is: "other" (the policy says deny)
add(
  map({ my ($m, $target, $body) = @$_;
        +{ class => 'other_writes',
          name => "$m $target" =~ s/\Q$P\E/{p}/gr
                               =~ s/\Q${\ urn('fn-test')}\E/{urn}/gr,
          method => $m, target => $target, body => $body,
          expect => $DENY } }
      [ 'DELETE', "$BASE/future-api", undef ],
      [ 'POST', "/v2/$P/fgs/future-triggers/" . urn('fn-test'), '{}' ],
      [ 'PUT', "$BASE/reservedinstances/x", '{"count":100}' ],
      [ 'PATCH', "$BASE/versions", '{}' ],
      [ 'PATCH', "$BASE/aliases/prod", '{}' ],
      [ 'POST', $CFG, $BAD ],
      [ 'PUT', "$BASE/codex", $BAD ],
      [ 'PUT', "$BASE/invocations", $BAD ],
      [ 'POST', "$BASE/invocationsx", $BAD ]),
  { class => 'other_writes', name => 'an invocation path with a dot segment',
    method => 'POST', target => "$BASE/invocations/../config", body => $BAD,
    expect => $TARGET },
  { class => 'other_writes', name => 'harmless: an invocation passes',
    method => 'POST', target => $INVOKE,
    body => '{"memory_size":4096,"memory_size":1}', expect => 'read' },
);

# a violation only in the last bytes of a body spilled to a temp file
add(
  { class => 'spill', name => 'the forbidden change last',
    target => $SPILL, body => spill('"memory_size":4096'), expect => $DENY },
  { class => 'spill', name => 'a duplicate key last',
    target => $SPILL, body => spill('"memory_size":512', '"memory_size":4096'),
    expect => $JSON },
  { class => 'spill', name => 'an escaped duplicate key last',
    target => $SPILL,
    body => spill('"memory_size":512', '"memory\u005fsize":4096'),
    expect => $JSON },
  { class => 'spill', name => 'a look-alike key last',
    target => $SPILL, body => spill('"memory_size":512', '"memorySize":4096'),
    expect => $LOOKALIKE },
  { class => 'spill', name => 'a string number last',
    target => $SPILL, body => spill('"memory_size":"4096"'), expect => $API },
  { class => 'spill', name => 'an invalid UTF-8 byte last',
    target => $SPILL, body => spill('"memory_size":512') =~ s/\}$/\xff}/r,
    expect => $JSON },
  { class => 'spill', name => 'trailing data last',
    target => $SPILL, body => spill('"memory_size":512') . '{}',
    expect => $JSON },
  { class => 'spill', name => 'the forbidden change last, chunked',
    target => $SPILL, body => spill('"memory_size":4096'), chunked => 65536,
    expect => $DENY },
  { class => 'spill', name => 'the forbidden change last, Expect',
    send => 'continue', target => $SPILL, body => spill('"memory_size":4096'),
    expect => $DENY },
  { class => 'spill', name => 'a /code body with a duplicate key last',
    target => $SPILL_CODE, body => spill_code('"code_type":"obs"'),
    expect => $JSON },
  { class => 'spill', name => 'a /code body with another KMS key last',
    target => $SPILL_CODE,
    body => spill_code('"code_encrypt_kms_key_id":"other-key"'),
    expect => $DENY },
  { class => 'spill', name => 'harmless: the allowed body',
    target => $SPILL, body => spill('"memory_size":512'), expect => 'pass' },
  { class => 'spill', name => 'harmless: the allowed /code body',
    target => $SPILL_CODE,
    body => spill_code("\"code_encrypt_kms_key_id\":\"$KMS\""),
    expect => 'pass' },
);


# --- sending

# HTTP/2 with prior knowledge (h2c) through node's http2 client
# (t/data/bypass/h2-request.js): the case's request, or its streams =>
# [requests], all on one connection at once; the responses as
# FgsTest::Response objects, in the order of the requests.
my $nh2 = 0;

sub send_h2 {
    my ($c) = @_;

    my @spec;
    for my $q ($c->{streams} ? @{ $c->{streams} } : ($c)) {
        my @h = with_json_type($q->{headers});
        my %h;
        for (my $i = 0; $i < @h; $i += 2) {
            $h{ lc $h[$i] } = $h[$i + 1] if defined $h[$i + 1];
        }
        push @spec, { method => $q->{method} // 'PUT',
                      path => $q->{target} // $CFG, headers => \%h,
                      body_b64 => encode_base64($q->{body} // '', ''),
                      no_length => $q->{no_length} ? JSON::PP::true
                                                   : JSON::PP::false };
    }

    my $n = ++$nh2;
    my $in = $t->prefix . "/data/h2-$n.json";
    my $out = $t->prefix . "/data/h2-$n.out";
    FgsTest::spew($in, json_encode(\@spec));

    $t->mock_clear;
    my $rc = FgsTest::run_cmd(['node', data_path('bypass/h2-request.js'),
                               $h2port, $in], $out, 30);
    my $said = FgsTest::slurp($out);
    my ($line) = grep { /^\[/ } split /\n/, $said;
    my $list = eval { json_decode($line // '') } // [];

    my @r;
    for my $i (0 .. $#spec) {
        my $got = $list->[$i] // {};
        unless ($got->{status}) {
            push @r, FgsTest::Response->incomplete($said,
                         "h2 client exit $rc: " . ($got->{error} // '?'));
            next;
        }
        my $head = "HTTP/2.0 $got->{status} h2\r\n";
        $head .= "$_: $got->{headers}{$_}\r\n"
            for sort keys %{ $got->{headers} };
        my $r = FgsTest::Response->parse_head("$head\r\n");
        $r->{body} = decode_base64($got->{body_b64} // '');
        push @r, $r->done;
    }
    return @r;
}

sub send_case {
    my ($c) = @_;

    if ($c->{raw}) {
        return $t->raw($c->{raw}, count => $c->{count} // 1, timeout => 20);
    }
    if (($c->{send} // '') eq 'h2') {
        return send_h2($c);
    }

    my @h = with_json_type($c->{headers});
    my %req = (method => $c->{method} // 'PUT', target => $c->{target} // $CFG,
               body => $c->{body}, headers => \@h,
               defined $c->{chunked} ? (chunked => $c->{chunked}) : ());

    if (($c->{send} // '') eq 'continue') {
        return $t->expect_continue(%req, timeout => 20);
    }
    return $t->request(%req, timeout => 20);
}


# --- checking

# Known gateway gaps: the case still asserts the status and that nothing
# reached the upstream; only the JSON form of the error is TODO.
our $TODO;
my %TODO = ();

# Exactly these requests reached the upstream, byte for byte.
sub upstream_exactly {
    my ($want, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return $t->upstream_got_nothing("$name: the upstream got nothing")
        unless @$want;
    return $t->upstream_got(@{ $want->[0] },
                            "$name: the upstream got exactly the checked body")
        if @$want == 1;

    my $recs = $t->mock_requests;
    return subtest "$name: the upstream got exactly the checked bodies" => sub {
        is(scalar @$recs, scalar @$want, scalar(@$want) . ' requests')
            or diag(join ', ', map { "$_->{method} $_->{target}" } @$recs);
        for my $i (0 .. $#$want) {
            my ($m, $target, $body) = @{ $want->[$i] };
            my $rec = $recs->[$i] or last;
            is("$rec->{method} $rec->{target}", "$m $target", "request $i");
            ok($rec->{body} eq $body, "request $i: body byte for byte")
                or diag(FgsTest::first_difference($rec->{body}, $body));
        }
    };
}

sub check_response {
    my ($c, $r, $e, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    if (!ref $e && $e eq 'closed') {
        # nginx closes the connection after a 400: nothing more is read
        my $closed = ok(!$r->complete && $r->status == 0,
                        "$name: the connection is closed, nothing more "
                        . "served");
        diag($r->summary) unless $closed;
        return $closed;
    }
    if (!ref $e) {
        # 'pass': governed and allowed; 'read': not governed at all
        my $decision = $e eq 'pass' ? 'allow' : '';
        return subtest "$name: passes" => sub {
            is($r->status, 200, 'the upstream\'s 200') or diag($r->summary);
            is($r->header('x-fgs-decision') // '', $decision,
               'decision ' . ($decision || '(not governed)'));
        };
    }
    my $code = ref $e->[1] ? 'FGSPOL.400x' : $e->[1];
    return $t->is_fgs_error($r, $e->[0], $e->[1], "$name: $e->[0] $code")
        unless $c->{todo};

    # A known gap: the rejection itself must hold; its JSON form is TODO.
    is($r->status, $e->[0], "$name: $e->[0]") or diag($r->summary);
    TODO: {
        local $TODO = $TODO{ $c->{todo} };
        $t->is_fgs_error($r, $e->[0], $e->[1], "$name: $e->[0] $code");
    }
}

my %count;

for my $c (@cases) {
    my $name = "$c->{class}: $c->{name}";

    $count{ $c->{class} }++;

    # a known gap in the whole case (see %TODO)
    local $TODO = $TODO{ $c->{todo_all} } if $c->{todo_all};

    my @r = send_case($c);
    my $x = $c->{expect};
    my @e = ref $x eq 'ARRAY' && (ref $x->[0] || $x->[0] =~ /^[a-z]/)
            ? @$x : ($x);

    is(scalar @r, scalar @e, "$name: " . scalar(@e) . ' response(s)')
        if @e > 1;
    for my $i (0 .. $#e) {
        my $r = $r[$i] // FgsTest::Response->incomplete('', 'no response');
        check_response($c, $r, $e[$i], @e > 1 ? "$name (#" . ($i + 1) . ')'
                                              : $name);
    }

    if (($c->{send} // '') eq 'continue') {
        if ($c->{no_continue}) {
            ok(!$r[0]{got_continue}, "$name: no 100 Continue");
        } else {
            ok($r[0]{got_continue}, "$name: 100 Continue before the body");
        }
    }

    my $up = $c->{upstream};
    if (!$up) {
        $up = (@e == 1 && !ref $e[0])
              ? [ [ $c->{method} // 'PUT', $c->{target} // $CFG,
                    $c->{body} ] ]
              : [];
    }
    upstream_exactly($up, $name);

    # headers that nginx drops must not reach the upstream
    for my $h (@{ $c->{not_forwarded} // [] }) {
        my $recs = $t->mock_requests;
        ok(@$recs && !grep({ exists $_->{headers}{$h} } @$recs),
           "$name: the upstream did not get $h");
    }
}

# the fn-spill bodies did go to temp files
my @spilled = grep { /buffered to a temporary file/ && /:fn-spill\// }
              split /\n/, $t->error_log;
ok(@spilled >= 10, 'the fn-spill bodies were spilled to temp files')
    or diag(scalar(@spilled) . ' spilled');

# the gateway still serves after all of that
my $r = $t->json_put($CFG, $OK);
$t->is_status($r, 200, 'an allowed body still passes at the end');

my $total = 0;
$total += $_ for values %count;
ok($total >= 60, "at least 60 bypass cases ($total)");
diag(sprintf "%d bypass cases: %s", $total,
     join ', ', map { "$_ $count{$_}" } sort keys %count);

$t->finish;
done_testing;

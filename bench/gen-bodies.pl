#!/usr/bin/perl
# Writes the benchmark's request bodies into DIR (default build/bench/bodies):
#
#   config-1k-allowed.json    a 1 KB /config body the policy allows as is
#   config-1k-denied.json     a 1 KB /config body the policy denies
#   code-10m-allowed.json     a 10 MB /code body (zip, with the KMS key)
#   code-10m-rewritten.json   the same without the KMS key: the policy adds it
#
# The bodies are deterministic (the zip bytes come from SHA-256 in counter
# mode), so every run and every machine sends the same bytes.  Files that
# already exist with the right content are left alone.

use strict;
use warnings;
use Digest::SHA qw(sha256);
use MIME::Base64 qw(encode_base64);

my $dir = shift // 'build/bench/bodies';
my $kms = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';

my $config_size = 1024;
my $code_size = 10 * 1024 * 1024;

# a realistic /config body for a production function; "description" is
# padded so that the body is exactly $config_size bytes
sub config_body {
    my (%f) = @_;
    my $desc = 'Order intake: validates incoming orders and queues them.';
    my $make = sub {
        my ($d) = @_;
        my @fields = (
            qq("func_name": "prod-orders"),
            qq("runtime": "$f{runtime}"),
            qq("handler": "index.handler"),
            qq("memory_size": $f{memory}),
            qq("timeout": 30),
            qq("description": "$d"),
            qq("user_data": "{\\"QUEUE_URL\\":\\"https://queue.corp.example/orders\\",)
              . qq(\\"LOG_LEVEL\\":\\"info\\",\\"REGION\\":\\"cn-north-4\\"}"),
            qq("xrole": "fgs-orders-agency"),
            qq("initializer_handler": "index.initializer"),
            qq("initializer_timeout": 30),
        );
        push @fields, qq("func_vpc": {"vpc_name": "vpc-prod", )
            . qq("vpc_id": "vpc-0a1b2c", "subnet_name": "subnet-prod-a", )
            . qq("subnet_id": "subnet-7d8e9f", "cidr": "192.168.0.0/24", )
            . qq("gateway": "192.168.0.1"}) if $f{vpc};
        push @fields,
            qq("strategy_config": {"concurrency": 100, "concurrent_num": 10}),
            qq("log_config": {"group_name": "fgs-prod", "group_id": )
              . qq("7a1c2e9d-0b3f-4c5d-8e6f-1a2b3c4d5e6f", "stream_name": )
              . qq("orders", "stream_id": "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091"}),
            qq("enterprise_project_id": "0"),
            qq("code_encrypt_kms_key_id": "$kms");
        return "{\n  " . join(",\n  ", @fields) . "\n}\n";
    };
    my $body = $make->($desc);
    die "config body too large\n" if length($body) > $config_size;
    $desc .= ' ' . ('x' x ($config_size - length($body) - 1));
    $body = $make->($desc);
    die "config body size\n" unless length($body) == $config_size;
    return $body;
}

# a /code body whose base64 zip makes it about $code_size bytes
sub code_body {
    my ($with_kms) = @_;
    my $head = qq({"code_type": "zip", "code_filename": "index.zip", )
        . qq("func_code": {"file": ");
    my $tail = qq("});
    $tail .= qq(, "code_encrypt_kms_key_id": "$kms") if $with_kms;
    $tail .= "}\n";
    my $b64_len = $code_size - length($head) - length($tail);
    $b64_len -= $b64_len % 4;
    my $raw_len = $b64_len / 4 * 3;
    my $raw = '';
    for (my $i = 0; length($raw) < $raw_len; $i++) {
        $raw .= sha256(pack('N', $i));
    }
    return $head . encode_base64(substr($raw, 0, $raw_len), '') . $tail;
}

sub put {
    my ($name, $body) = @_;
    my $path = "$dir/$name";
    if (-f $path && -s _ == length($body)) {
        open(my $in, '<:raw', $path) or die "$path: $!\n";
        local $/;
        return if <$in> eq $body;
    }
    open(my $out, '>:raw', "$path.tmp") or die "$path.tmp: $!\n";
    print $out $body or die "$path.tmp: $!\n";
    close($out) or die "$path.tmp: $!\n";
    rename("$path.tmp", $path) or die "$path: $!\n";
}

system('mkdir', '-p', $dir) == 0 or die "cannot create $dir\n";

put('config-1k-allowed.json',
    config_body(runtime => 'Python3.12', memory => 512, vpc => 1));
put('config-1k-denied.json',
    config_body(runtime => 'Python2.7', memory => 4096, vpc => 0));
put('code-10m-allowed.json', code_body(1));
put('code-10m-rewritten.json', code_body(0));

"""Test oracle: runs the AWS CLI's own validate-logs code (awscli.customizations.cloudtrail.validation)
over objects and public keys given as JSON on stdin, with stand-ins for the S3 and CloudTrail clients.
Input: a list of cases (importing awscli is slow, so one process runs many). Prints a JSON list with,
per case, {"chunks": [[stream, text], ...], "exitCode": n}, {"error": "..."} or {"valid": bool}.
"""
import base64
import io
import json
import sys

from botocore.exceptions import ClientError
from awscli.customizations.cloudtrail.validation import (
    CloudTrailValidateLogs,
    Sha256RSADigestValidator,
    DigestError,
    normalize_date,
    parse_date,
)

cfg = {}
objects = {}


class Pages:
    def __init__(self, keys):
        self.keys = keys

    def search(self, expression):
        assert expression == 'Contents[*].Key'
        return iter(self.keys)


class Paginator:
    def paginate(self, Bucket, Marker, Prefix):
        # S3 lists keys in UTF-8 byte order.
        keys = sorted(
            (k for (b, k) in objects if b == Bucket and k.startswith(Prefix) and k.encode() > Marker.encode()),
            key=lambda k: k.encode(),
        )
        return Pages(keys)


class S3Client:
    def get_paginator(self, name):
        assert name == 'list_objects'
        return Paginator()

    def get_object(self, Bucket, Key):
        if (Bucket, Key) not in objects:
            raise ClientError({'Error': {'Code': 'NoSuchKey', 'Message': 'The specified key does not exist.'}}, 'GetObject')
        body, metadata = objects[(Bucket, Key)]
        return {'Body': io.BytesIO(body), 'Metadata': dict(metadata)}


class S3Provider:
    def get_client(self, bucket):
        return S3Client()


class CloudTrailClient:
    def list_public_keys(self, StartTime, EndTime):
        found = []
        for k in cfg.get('publicKeys', []):
            start = parse_date(k['ValidityStartTime'])
            end = parse_date(k['ValidityEndTime'])
            if start <= EndTime and end >= StartTime:
                # The CLI's blob parser is the identity: Value stays the base64 text of the wire.
                found.append({'Fingerprint': k['Fingerprint'], 'Value': k['Value'], 'ValidityStartTime': start, 'ValidityEndTime': end})
        return {'PublicKeyList': found}


chunks = []


def load_case(case):
    global cfg
    cfg = case
    objects.clear()
    chunks.clear()
    for o in case.get('objects', []):
        objects[(o['bucket'], o['key'])] = (base64.b64decode(o['body']), o['metadata'])


class Capture:
    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        chunks.append([self.stream, text])

    def flush(self):
        pass


def verify_one():
    body, metadata = objects[(cfg['bucket'], cfg['key'])]
    import zlib
    inflated = zlib.decompress(body, zlib.MAX_WBITS | 16)
    data = json.loads(inflated.decode())
    data['_signature'] = metadata['signature']
    data['_signature_algorithm'] = metadata['signature-algorithm']
    try:
        Sha256RSADigestValidator().validate(cfg['bucket'], cfg['key'], cfg['publicKeyValue'], data, inflated)
        return {'valid': True}
    except DigestError as e:
        return {'valid': False, 'message': str(e)}


def validate():
    cmd = CloudTrailValidateLogs(None)
    cmd.trail_arn = cfg['trailArn']
    cmd.is_verbose = cfg.get('verbose', False)
    cmd.s3_bucket = cfg['bucket']
    cmd.s3_prefix = cfg.get('prefix')
    cmd.account_id = cfg.get('accountId')
    cmd.start_time = normalize_date(parse_date(cfg['startTime']))
    cmd.end_time = normalize_date(parse_date(cfg['endTime']))
    cmd._source_region = cfg['region']
    cmd.s3_client_provider = S3Provider()
    cmd.cloudtrail_client = CloudTrailClient()
    cmd.organization_client = None
    real_out, real_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Capture('stdout'), Capture('stderr')
    try:
        cmd._call()
    except Exception as e:  # reported to the test, which compares with OpenTrail's error
        return {'error': str(e), 'errorType': type(e).__name__, 'chunks': list(chunks)}
    finally:
        sys.stdout, sys.stderr = real_out, real_err
    invalid = cmd._invalid_digests + cmd._invalid_backfill_digests + cmd._invalid_logs
    return {'chunks': list(chunks), 'exitCode': 1 if invalid else 0}


results = []
for case in json.load(sys.stdin):
    load_case(case)
    results.append(verify_one() if case['mode'] == 'verify' else validate())
json.dump(results, sys.stdout)

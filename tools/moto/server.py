"""An S3 server that verifies AWS Signature V4 and that minio-go (Flux's Bucket source, Kratix) works with:
moto's server, for e2e tests and the local platform.

    server.py BUCKET [--port N]

moto accepts its first INITIAL_NO_AUTH_ACTION_COUNT requests unsigned and checks every later one. Those
three are spent creating an IAM user with an allow-all policy and its access key; the bucket is then made with
that key, and from there on a request signed with anything else is refused (SignatureDoesNotMatch or
InvalidAccessKeyId). Prints

    READY port=PORT access_key=KEY secret_key=SECRET

and serves until standard input closes or SIGTERM.
"""

import argparse
import json
import os
import signal
import sys
import threading

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bucket")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    port = server._server.server_port
    endpoint = f"http://127.0.0.1:{port}"
    bootstrap = {"endpoint_url": endpoint, "aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}
    iam = boto3.client("iam", **bootstrap)
    iam.create_user(UserName="pave")
    iam.put_user_policy(UserName="pave", PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="pave")["AccessKey"]
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    s3.create_bucket(Bucket=args.bucket)
    print(f"READY port={port} access_key={key['AccessKeyId']} secret_key={key['SecretAccessKey']}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()

# First code to run in the sandbox: unpack the job the service streams into stdin, then run the harness.
# Kept tiny because it is passed on the command line; everything else arrives in the tar.
import os, sys, tarfile
os.chdir("/sandbox")
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as job:
    job.extractall("/sandbox")
os.close(0)
sys.argv = ["harness.py"]
sys.path.insert(0, "/sandbox")
exec(compile(open("/sandbox/harness.py").read(), "harness.py", "exec"), {"__name__": "__main__"})

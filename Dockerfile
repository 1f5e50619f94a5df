FROM busybox:t
COPY missing.txt /x

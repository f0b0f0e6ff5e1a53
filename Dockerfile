# Multi-stage: build with compilers for the native addon, run on a slim image as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json buf.yaml buf.gen.yaml ./
COPY proto ./proto
COPY gen ./gen
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
# glibc keeps freed libvips memory in many arenas; two keep peak memory near what is in use (measured:
# 18 MP resizes 1005-1116 MiB -> 670 MiB peak, no CPU cost). A fixed 8 MiB mmap threshold returns large
# buffers (the bodies of big requests) to the system when freed instead of keeping them in the heap
# (measured: RSS after the bench's workloads 740 -> 367 MiB). Lower costs CPU: at 1 MiB libvips
# page-faults its working buffers afresh for every image (+10 ms per full-size blur). glibc's hugetlb
# tunable asks for transparent huge pages on those mapped buffers (where the host's THP mode is
# "madvise" or "always"): a 16 MB request body or decoded photo then faults in 2 MiB at a time instead
# of 4 KiB (measured: 18 MP resizes 1338 -> 1073 ms of CPU each, small images unchanged).
# All as `npm start` sets them.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=50051 DATA_DIR=/data GLIBC_TUNABLES=glibc.malloc.hugetlb=1 MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=8388608 MALLOC_TRIM_THRESHOLD_=16777216
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 50051
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
# The V8 heap setting of `npm start` (see README, Performance): the main thread's old-generation limit
# starts at 256 MB instead of being re-derived from a small live heap, which made it run a full
# mark-compact every few hundred milliseconds under image traffic.
CMD ["node", "--initial-heap-size=256", "dist/src/main.js"]

# syntax=docker/dockerfile:1
# Magnesium CDS Hooks service. Build: docker build -t magnesium-cds .
# Run:   docker run -p 3000:3000 magnesium-cds        (SQLite feedback store in a volume)
#        docker run -e DATABASE_URL=postgres://… …    (PostgreSQL: several replicas)

# ---- build: compile TypeScript, then keep production dependencies only
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: no compilers, no dev dependencies, not root
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    FEEDBACK_DB_PATH=/var/lib/magnesium-cds/feedback.sqlite
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json cds-services.json ./
# Static files of the admin page (read at start-up from src/admin/public).
COPY src/admin/public ./src/admin/public
COPY fixtures/demo ./fixtures/demo
RUN mkdir -p /var/lib/magnesium-cds && chown node:node /var/lib/magnesium-cds
VOLUME ["/var/lib/magnesium-cds"]
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 receives SIGTERM directly: the service drains requests and flushes the feedback queue.
# The heap cap is the same as `npm start`'s (docs/operations.md, "Memory, measured"): with a cap below 2 GB V8
# lets the old generation grow to about 1.6 × the live heap between collections instead of 4 ×.
CMD ["node", "--max-old-space-size=1024", "--no-memory-reducer", "--no-flush-bytecode", "dist/server.js"]

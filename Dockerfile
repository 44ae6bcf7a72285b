# syntax=docker/dockerfile:1
# Switchboard: build with the dev toolchain, run on production dependencies only, as a non-root user.
#   docker build -t switchboard .
#   docker run -p 8080:8080 -v switchboard-data:/data switchboard            # embedded store in /data
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://… switchboard         # PostgreSQL
#   docker run -p 8080:8080 switchboard serve --demo                           # what `npm start` runs

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json
# The dashboard (docs/dashboard.md): its metric definitions are read from the docs at build time.
COPY web ./web
COPY scripts/build-web.js ./scripts/
COPY README.md ./
COPY docs/metrics.md ./docs/
RUN node scripts/build-web.js

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    SWITCHBOARD_DATA=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/web ./dist/web
# Migrations are read at start from src/db/migrations.
COPY src/db/migrations ./src/db/migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/switchboard.js"]
CMD ["serve"]

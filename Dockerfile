# One image for every Parley service; docker-compose.yml picks the command.
# The build stage compiles everything; the image runs compiled JavaScript only.
#   docker build -t parley .
#   docker run -p 5173:5173 -v parley-data:/data parley            # all in one (npm start)
#   docker run parley npm start -w sync-server                     # one service

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to a source build when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY schema/package.json schema/
COPY sync-server/package.json sync-server/
COPY media-server/package.json media-server/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY . .
# tsc -b: schema, SDK, sync-server and media-server into their dist/; vite: the web app.
# The stage's file times come along, so npm start in the image finds nothing stale.
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    PARLEY_DATA_DIR=/data
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1234 1080 5173
CMD ["node", "scripts/start.mjs"]

# The worker image: `docker compose up` builds it; scale it out with `docker compose up --scale worker=N`.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the build runs below, once the sources are in.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY workflows ./workflows
COPY activities ./activities
COPY runtime ./runtime
COPY client ./client
COPY worker ./worker
COPY service ./service
COPY cli ./cli
COPY tools ./tools
COPY templates ./templates
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production LOG_FORMAT=json
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
USER node
CMD ["node", "bin/poortwachter.js", "worker"]

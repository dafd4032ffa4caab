import { buildExample } from './app.js'

// `npm start`: the example app on http://127.0.0.1:3000, with an embedded
// development provider unless OIDC_ISSUER is set.
const { app, host, port, devProvider } = await buildExample()

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0), () => process.exit(1))
  })
}

await app.listen({ host, port })
if (devProvider !== undefined) {
  app.log.info(`development provider at ${devProvider.issuer}: sign in with any name and password`)
}
app.log.info(`open http://${host}:${port}/ and click Log in`)

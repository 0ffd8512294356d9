export { buildApp, type App } from './app.js'
export { defaultConfig, railyardHome, type ServerConfig } from './config.js'
export { Store } from './store/store.js'
export { serve, type ServeOptions } from './main.js'

// The Neon driver in Node needs a WebSocket implementation; the Worker runtime has one built in.
import { neonConfig } from '@neondatabase/serverless'
import { WebSocket } from 'ws'

neonConfig.webSocketConstructor = WebSocket

export { connectDatabase, type Database, type DatabaseSettings } from '../../db/client'

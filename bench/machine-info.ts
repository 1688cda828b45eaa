import { cpus, loadavg, totalmem } from 'node:os';
import amqplib from 'amqplib';
import { Client } from 'pg';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  rabbitmq: string;
  /** The server's `autovacuum` setting. */
  postgresAutovacuum: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAtStart: number[];
}

export async function machineInfo(databaseUrl: string, brokerUrl: string): Promise<MachineInfo> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let postgres: string;
  let postgresAutovacuum: string;
  try {
    postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    postgresAutovacuum = (await client.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0].autovacuum;
  } finally {
    await client.end();
  }
  const connection = await amqplib.connect(brokerUrl);
  let rabbitmq: string;
  try {
    const properties = (connection.connection as unknown as { serverProperties?: { version?: string } })
      .serverProperties;
    rabbitmq = properties?.version ?? 'unknown';
  } finally {
    await connection.close();
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres,
    rabbitmq,
    postgresAutovacuum,
    loadAtStart: loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

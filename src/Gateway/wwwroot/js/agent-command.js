// The command that starts a new container's agent with its credential, from the platform's agent set-up
// (GET /api/agent-setup) and what provisioning returned. See src/Agent/README.md for every key.

const defaultClusterName = 'zlhgrind';
export const gatewayPlaceholder = 'SILO-ADDRESS:30000';

/** A word the shell reads back exactly as written. */
export function shellQuote(value) {
  const text = String(value);
  return /^[A-Za-z0-9_\-.,:/=@%+]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function directoryOf(path) {
  const slash = path.lastIndexOf('/');
  return slash > 0 ? path.slice(0, slash) : '/';
}

/** The lines to paste into the container's shell (as root): store the credential (mode 0600), start the agent. */
export function agentCommand(setup, { containerId, kind, credential }) {
  const file = setup.credentialFile;
  const gateways = setup.clusterGateways.length > 0 ? setup.clusterGateways : [gatewayPlaceholder];
  const args = [
    `--Agent:ContainerId=${containerId}`,
    `--Agent:Kind=${kind}`,
    `--Agent:CredentialFile=${shellQuote(file)}`,
    ...gateways.map((g, i) => `--Agent:Cluster:Gateways:${i}=${shellQuote(g)}`),
  ];
  if (setup.tls) args.push('--Agent:Cluster:Tls:Enabled=true', `--Agent:Cluster:Tls:CaCertificate=${shellQuote(setup.caCertificate)}`);
  if (setup.clusterId && setup.clusterId !== defaultClusterName) args.push(`--Agent:Cluster:ClusterId=${shellQuote(setup.clusterId)}`);
  if (setup.serviceId && setup.serviceId !== defaultClusterName) args.push(`--Agent:Cluster:ServiceId=${shellQuote(setup.serviceId)}`);
  args.push(...(kind === 'dev' ? setup.devArguments : setup.gameArguments));
  return [
    `mkdir -p ${shellQuote(directoryOf(file))}`,
    `(umask 077 && rm -f ${shellQuote(file)} && printf '%s' ${shellQuote(credential)} > ${shellQuote(file)})`,
    `${setup.command} \\`,
    ...args.map((a, i) => `  ${a}${i < args.length - 1 ? ' \\' : ''}`),
  ].join('\n');
}

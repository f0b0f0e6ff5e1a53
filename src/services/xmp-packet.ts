const NS = 'https://image-asset-service.dev/ns/1.0/';

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * An XMP packet carrying the asset's own metadata: its id and user metadata (as JSON), and for
 * generated images the prompt (also as dc:description, which viewers show) and the model.
 */
export function xmpPacket(fields: { imageId: string; metadata: Record<string, unknown> | null; prompt?: string; model?: string }): string {
  const props: string[] = [`<ias:ImageId>${escapeXml(fields.imageId)}</ias:ImageId>`];
  if (fields.metadata && Object.keys(fields.metadata).length > 0) {
    props.push(`<ias:Metadata>${escapeXml(JSON.stringify(fields.metadata))}</ias:Metadata>`);
  }
  if (fields.prompt) {
    props.push(`<ias:Prompt>${escapeXml(fields.prompt)}</ias:Prompt>`);
    props.push(`<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(fields.prompt)}</rdf:li></rdf:Alt></dc:description>`);
  }
  if (fields.model) props.push(`<ias:Model>${escapeXml(fields.model)}</ias:Model>`);
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:ias="${NS}">`,
    ...props,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { parseCsdl } from '../../scripts/metadata-extract.js';

/** The extract script reads only the microsoft.graph schema (other namespaces reuse names such as `user`). */

const CSDL = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EnumType Name="colour"><Member Name="red" Value="0" /><Member Name="blue" Value="1" /></EnumType>
  <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
  <EntityType Name="user" BaseType="graph.entity" OpenType="true">
    <Property Name="displayName" Type="Edm.String" />
    <Property Name="favourite" Type="graph.colour" />
    <Property Name="labels" Type="Collection(graph.label)" />
    <NavigationProperty Name="manager" Type="graph.entity" />
  </EntityType>
  <ComplexType Name="label"><Property Name="text" Type="Edm.String" /></ComplexType>
</Schema>
<Schema Namespace="microsoft.graph.other" Alias="self" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EntityType Name="user" BaseType="self.account"><Property Name="emailAddress" Type="Edm.String" /></EntityType>
</Schema>
</edmx:DataServices></edmx:Edmx>`;

describe('metadata:extract', () => {
  it('reads types, bases, navigations and enums of the microsoft.graph schema only', () => {
    const { types, enums } = parseCsdl(CSDL);
    expect(types.get('user')).toEqual({
      name: 'user',
      kind: 'entity',
      base: 'entity',
      properties: { displayName: 'Edm.String', favourite: 'colour', labels: 'Collection(label)' },
      navigations: { manager: 'entity' },
    });
    expect(types.get('entity')).toMatchObject({ abstract: true, properties: { id: 'Edm.String' } });
    expect(types.get('label')?.kind).toBe('complex');
    expect(enums.get('colour')).toEqual(['red', 'blue']);
  });
});

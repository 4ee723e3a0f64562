<?xml version="1.0" encoding="UTF-8"?>
<imro:FeatureCollectionIMRO gml:id="Collectie" xmlns:imro="http://www.geonovum.nl/imro/2012/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.geonovum.nl/imro/2012/1.1 http://schemas.geonovum.nl/imro/2012/1.1/IMRO2012.xsd">
	<gml:description>SYNTHETIC test plan made by spreidingstoets (sample generator). Fictional; not a real plan of the municipality of Westland.</gml:description>
	<gml:name>NL.IMRO.1783.SYNTH-VG01.gml</gml:name>
	<imro:featureMember>
		<imro:Enkelbestemming gml:id="NL.IMRO.1783.EP01SYNTH-VG01">
			<imro:identificatie>
				<imro:NEN3610ID>
					<imro:namespace>NL.IMRO</imro:namespace>
					<imro:lokaalID>1783.EP01SYNTH-VG01</imro:lokaalID>
				</imro:NEN3610ID>
			</imro:identificatie>
			<imro:typePlanobject>enkelbestemming</imro:typePlanobject>
			<imro:plangebied xlink:href="#NL.IMRO.1783.SYNTH-VG01"/>
			<imro:naam>Agrarisch - Glastuinbouw</imro:naam>
			<imro:bestemmingshoofdgroep>agrarisch</imro:bestemmingshoofdgroep>
			<imro:artikelnummer>3</imro:artikelnummer>
			<imro:labelInfo>
				<imro:Label>
					<imro:tekst>A-GT</imro:tekst>
					<imro:positie>
						<imro:Labelpositie>
							<imro:plaatsingspunt>
								<gml:Point gml:id="id1" srsName="urn:ogc:def:crs:EPSG::28992">
									<gml:pos>75290.0 447550.0</gml:pos>
								</gml:Point>
							</imro:plaatsingspunt>
							<imro:hoek>0</imro:hoek>
						</imro:Labelpositie>
					</imro:positie>
				</imro:Label>
			</imro:labelInfo>
			<imro:geometrie>
				<gml:Surface gml:id="id2" srsName="urn:ogc:def:crs:EPSG::28992">
					<gml:patches>
						<gml:PolygonPatch>
							<gml:exterior>
								<gml:LinearRing>
									<gml:posList>74680.0 447200.0 75900.0 447200.0 75900.0 447900.0 74680.0 447900.0 74680.0 447200.0</gml:posList>
								</gml:LinearRing>
							</gml:exterior>
						</gml:PolygonPatch>
					</gml:patches>
				</gml:Surface>
			</imro:geometrie>
		</imro:Enkelbestemming>
	</imro:featureMember>
	<imro:featureMember>
		<imro:Enkelbestemming gml:id="NL.IMRO.1783.EP02SYNTH-VG01">
			<imro:identificatie>
				<imro:NEN3610ID>
					<imro:namespace>NL.IMRO</imro:namespace>
					<imro:lokaalID>1783.EP02SYNTH-VG01</imro:lokaalID>
				</imro:NEN3610ID>
			</imro:identificatie>
			<imro:typePlanobject>enkelbestemming</imro:typePlanobject>
			<imro:plangebied xlink:href="#NL.IMRO.1783.SYNTH-VG01"/>
			<imro:naam>Wonen</imro:naam>
			<imro:bestemmingshoofdgroep>wonen</imro:bestemmingshoofdgroep>
			<imro:artikelnummer>4</imro:artikelnummer>
			<imro:labelInfo>
				<imro:Label>
					<imro:tekst>W</imro:tekst>
					<imro:positie>
						<imro:Labelpositie>
							<imro:plaatsingspunt>
								<gml:Point gml:id="id3" srsName="urn:ogc:def:crs:EPSG::28992">
									<gml:pos>75290.0 446950.0</gml:pos>
								</gml:Point>
							</imro:plaatsingspunt>
							<imro:hoek>0</imro:hoek>
						</imro:Labelpositie>
					</imro:positie>
				</imro:Label>
			</imro:labelInfo>
			<imro:geometrie>
				<gml:Surface gml:id="id4" srsName="urn:ogc:def:crs:EPSG::28992">
					<gml:patches>
						<gml:PolygonPatch>
							<gml:exterior>
								<gml:LinearRing>
									<gml:posList>74680.0 446700.0 75900.0 446700.0 75900.0 447200.0 74680.0 447200.0 74680.0 446700.0</gml:posList>
								</gml:LinearRing>
							</gml:exterior>
						</gml:PolygonPatch>
					</gml:patches>
				</gml:Surface>
			</imro:geometrie>
		</imro:Enkelbestemming>
	</imro:featureMember>
	<imro:featureMember>
		<imro:Enkelbestemming gml:id="NL.IMRO.1783.EP03SYNTH-VG01">
			<imro:identificatie>
				<imro:NEN3610ID>
					<imro:namespace>NL.IMRO</imro:namespace>
					<imro:lokaalID>1783.EP03SYNTH-VG01</imro:lokaalID>
				</imro:NEN3610ID>
			</imro:identificatie>
			<imro:typePlanobject>enkelbestemming</imro:typePlanobject>
			<imro:plangebied xlink:href="#NL.IMRO.1783.SYNTH-VG01"/>
			<imro:naam>Bedrijventerrein</imro:naam>
			<imro:bestemmingshoofdgroep>bedrijventerrein</imro:bestemmingshoofdgroep>
			<imro:artikelnummer>5</imro:artikelnummer>
			<imro:labelInfo>
				<imro:Label>
					<imro:tekst>BT</imro:tekst>
					<imro:positie>
						<imro:Labelpositie>
							<imro:plaatsingspunt>
								<gml:Point gml:id="id5" srsName="urn:ogc:def:crs:EPSG::28992">
									<gml:pos>76100.0 446950.0</gml:pos>
								</gml:Point>
							</imro:plaatsingspunt>
							<imro:hoek>0</imro:hoek>
						</imro:Labelpositie>
					</imro:positie>
				</imro:Label>
			</imro:labelInfo>
			<imro:geometrie>
				<gml:Surface gml:id="id6" srsName="urn:ogc:def:crs:EPSG::28992">
					<gml:patches>
						<gml:PolygonPatch>
							<gml:exterior>
								<gml:LinearRing>
									<gml:posList>75900.0 446700.0 76300.0 446700.0 76300.0 447200.0 75900.0 447200.0 75900.0 446700.0</gml:posList>
								</gml:LinearRing>
							</gml:exterior>
						</gml:PolygonPatch>
					</gml:patches>
				</gml:Surface>
			</imro:geometrie>
		</imro:Enkelbestemming>
	</imro:featureMember>
	<imro:featureMember>
		<imro:Functieaanduiding gml:id="NL.IMRO.1783.FA04SYNTH-VG01">
			<imro:identificatie>
				<imro:NEN3610ID>
					<imro:namespace>NL.IMRO</imro:namespace>
					<imro:lokaalID>1783.FA04SYNTH-VG01</imro:lokaalID>
				</imro:NEN3610ID>
			</imro:identificatie>
			<imro:typePlanobject>functieaanduiding</imro:typePlanobject>
			<imro:plangebied xlink:href="#NL.IMRO.1783.SYNTH-VG01"/>
			<imro:bestemmingsvlak xlink:href="#NL.IMRO.1783.EP01SYNTH-VG01"/>
			<imro:naam>specifieke vorm van wonen - huisvesting arbeidsmigranten</imro:naam>
			<imro:labelInfo>
				<imro:Label>
					<imro:tekst>(sw-ham)</imro:tekst>
					<imro:positie>
						<imro:Labelpositie>
							<imro:plaatsingspunt>
								<gml:Point gml:id="id7" srsName="urn:ogc:def:crs:EPSG::28992">
									<gml:pos>75350.0 447250.0</gml:pos>
								</gml:Point>
							</imro:plaatsingspunt>
							<imro:hoek>0</imro:hoek>
						</imro:Labelpositie>
					</imro:positie>
				</imro:Label>
			</imro:labelInfo>
			<imro:geometrie>
				<gml:Surface gml:id="id8" srsName="urn:ogc:def:crs:EPSG::28992">
					<gml:patches>
						<gml:PolygonPatch>
							<gml:exterior>
								<gml:LinearRing>
									<gml:posList>75300.0 447200.0 75400.0 447200.0 75400.0 447300.0 75300.0 447300.0 75300.0 447200.0</gml:posList>
								</gml:LinearRing>
							</gml:exterior>
						</gml:PolygonPatch>
					</gml:patches>
				</gml:Surface>
			</imro:geometrie>
		</imro:Functieaanduiding>
	</imro:featureMember>
	<imro:featureMember>
		<imro:Bestemmingsplangebied gml:id="NL.IMRO.1783.SYNTH-VG01">
			<imro:identificatie>
				<imro:NEN3610ID>
					<imro:namespace>NL.IMRO</imro:namespace>
					<imro:lokaalID>1783.SYNTH</imro:lokaalID>
					<imro:versie>VG01</imro:versie>
				</imro:NEN3610ID>
			</imro:identificatie>
			<imro:typePlan>bestemmingsplan</imro:typePlan>
			<imro:beleidsmatigVerantwoordelijkeOverheid>gemeentelijke overheid</imro:beleidsmatigVerantwoordelijkeOverheid>
			<imro:naamOverheid>Westland</imro:naamOverheid>
			<imro:overheidsCode>1783</imro:overheidsCode>
			<imro:naam>Glastuinbouw en dorpsrand (SYNTHETISCH, fictief testplan)</imro:naam>
			<imro:planstatusInfo>
				<imro:PlanstatusEnDatum>
					<imro:planstatus>vastgesteld</imro:planstatus>
					<imro:datum>2024-07-01</imro:datum>
				</imro:PlanstatusEnDatum>
			</imro:planstatusInfo>
			<imro:verwijzingNorm>IMRO2012</imro:verwijzingNorm>
			<imro:geometrie>
				<gml:Surface gml:id="id9" srsName="urn:ogc:def:crs:EPSG::28992">
					<gml:patches>
						<gml:PolygonPatch>
							<gml:exterior>
								<gml:LinearRing>
									<gml:posList>74680.0 446700.0 76300.0 446700.0 76300.0 447900.0 74680.0 447900.0 74680.0 446700.0</gml:posList>
								</gml:LinearRing>
							</gml:exterior>
						</gml:PolygonPatch>
					</gml:patches>
				</gml:Surface>
			</imro:geometrie>
		</imro:Bestemmingsplangebied>
	</imro:featureMember>
</imro:FeatureCollectionIMRO>
